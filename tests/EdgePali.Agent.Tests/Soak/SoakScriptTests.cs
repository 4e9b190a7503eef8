using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Soak;

/// <summary>
/// A short run of tools/soak.sh (the memory soak benchmark): the tiny model, the test-pattern camera, commands
/// and a broker restart, end to end. It checks that the run completes and reports; the RSS numbers are a
/// benchmark (docs/benchmarks.md), not judged here.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed partial class SoakScriptTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public async Task ShortSoak_SurvivesTheBrokerRestart_AndReportsRss()
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (var argument in new[]
                 {
                     Path.Combine(RepositoryPaths.Root, "tools", "soak.sh"), "--no-build", "--agent", RepositoryPaths.BesideTests("edgepali"),
                     "--model", model.PackagePath, "--duration", "75", "--warmup", "20", "--sample", "3",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var run = await ProcessRunner.RunAsync(start, TimeSpan.FromMinutes(10));
        var text = run.Stdout + run.Stderr;

        Assert.True(run.ExitCode == 0, $"soak.sh exited with {run.ExitCode}:\n{text}");
        Assert.Contains("restarting the broker", text, StringComparison.Ordinal);
        var report = Report().Match(text);
        Assert.True(report.Success, $"no report line in:\n{text}");
        var rssStart = double.Parse(report.Groups["start"].Value, CultureInfo.InvariantCulture);
        var rssEnd = double.Parse(report.Groups["end"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(rssStart, 20, 4096);
        Assert.InRange(rssEnd, 20, 4096);
        Assert.True(int.Parse(report.Groups["samples"].Value, CultureInfo.InvariantCulture) >= 4, text);
        Assert.True(int.Parse(report.Groups["after"].Value, CultureInfo.InvariantCulture) > 0, text);
    }

    [GeneratedRegex(@"rss_start_mib=(?<start>[\d.]+) rss_end_mib=(?<end>[\d.]+) .*samples=(?<samples>\d+) .*results_after_broker_restart=(?<after>\d+)")]
    private static partial Regex Report();
}
