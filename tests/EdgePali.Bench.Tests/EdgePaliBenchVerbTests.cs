
namespace EdgePali.Bench.Tests;

/// <summary>
/// `edgepali bench` with edgepali-bench beside it (this output folder holds both): every argument reaches
/// edgepali-bench unchanged, and its output and exit code come back. The agent's own tests cover the verb
/// without edgepali-bench beside it.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class EdgePaliBenchVerbTests
{
    [Fact]
    public async Task EdgePaliBench_Help_IsEdgePaliBenchsHelp()
    {
        using var workingDirectory = new TestDirectory();
        var run = await ProcessRunner.RunDotnetAsync("edgepali", ["bench", "--help"], TimeSpan.FromMinutes(5), workingDirectory.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        // edgepali-bench's own options, which edgepali does not know.
        Assert.Contains("--preset", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("--compare", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("edgepali-bench", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EdgePaliBench_MissingModelFolder_ReturnsEdgePaliBenchsErrorAndExitCode()
    {
        using var workingDirectory = new TestDirectory();
        var missing = Path.Combine(workingDirectory.Path, "no-such-package");
        var run = await ProcessRunner.RunDotnetAsync("edgepali", ["bench", "--model", missing, "--repetitions", "1", "--json"], TimeSpan.FromMinutes(5), workingDirectory.Path);
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("does not exist", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(missing, run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }
}
