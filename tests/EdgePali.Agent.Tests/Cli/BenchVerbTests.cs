
using EdgePali.Agent.Cli;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Cli;

/// <summary>
/// `edgepali bench` only starts edgepali-bench from edgepali's folder. This output folder has no edgepali-bench
/// (the agent does not reference the bench), as on a board where it was not installed. The forwarding itself is
/// tested in EdgePali.Bench.Tests, whose output folder holds both programs.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class BenchVerbTests
{
    [Fact]
    public async Task Bench_WithoutEdgePaliBenchBeside_FailsNamingTheMissingProgramAndWhereItWasLookedFor()
    {
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "edgepali-bench.dll")), "this test needs an output folder without edgepali-bench");
        using var workingDirectory = new TestDirectory();
        var (code, stdout, stderr) = await ProcessRunner.RunDotnetAsync("edgepali", ["bench", "--help"], TimeSpan.FromMinutes(5), workingDirectory.Path);
        Assert.Equal(1, code);
        Assert.Contains("edgepali-bench", stderr, StringComparison.Ordinal);
        Assert.Contains($"not in {AppContext.BaseDirectory}", stderr, StringComparison.Ordinal);
        Assert.Contains("dotnet publish src/Bench", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        // `--help` went to the verb, not to edgepali's own help.
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task Help_ListsTheBenchVerb()
    {
        using var workingDirectory = new TestDirectory();
        var (code, stdout, _) = await ProcessRunner.RunDotnetAsync("edgepali", ["--help"], TimeSpan.FromMinutes(5), workingDirectory.Path);
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^\s+bench\s+.*edgepali-bench", stdout);
    }

    [Fact]
    public void Worker_CarriesNoBenchmarkCode()
    {
        var worker = typeof(EdgePaliCli).Assembly;
        var references = worker.GetReferencedAssemblies().Select(a => a.Name).ToList();
        // The bench itself and the packages only it uses (the results table, the ONNX protobuf reader).
        Assert.DoesNotContain("edgepali-bench", references);
        Assert.DoesNotContain("Spectre.Console", references);
        Assert.DoesNotContain("OnnxSharp", references);
        Assert.DoesNotContain(worker.GetTypes(), t => t.Namespace is { } n && (n.StartsWith("EdgePali.Bench", StringComparison.Ordinal) || n.EndsWith(".Benchmarking", StringComparison.Ordinal)));
    }
}
