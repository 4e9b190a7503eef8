using System.Diagnostics;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Deploy;

/// <summary>deploy/systemd/edgepali.service passes `systemd-analyze verify` and has the settings the worker relies on.</summary>
public sealed class SystemdUnitTests
{
    private static readonly string Unit = Path.Combine(RepositoryPaths.Root, "deploy", "systemd", "edgepali.service");

    [Fact]
    public async Task Unit_PassesSystemdAnalyzeVerify()
    {
        // verify checks that ExecStart's program exists; on this machine it is not installed under /opt, so a
        // copy of the unit points at the freshly built edgepali instead. Everything else is verified as shipped.
        using var directory = new TestDirectory();
        var copy = Path.Combine(directory.Path, "edgepali.service");
        var text = await File.ReadAllTextAsync(Unit);
        Assert.Contains("ExecStart=/opt/edgepali/edgepali run", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(copy, text.Replace("ExecStart=/opt/edgepali/edgepali", "ExecStart=" + RepositoryPaths.Edgepali, StringComparison.Ordinal));

        var (code, output) = await RunAsync("systemd-analyze", "verify", copy);

        Assert.True(code == 0, output);
        // verify also exits 0 for unknown keys and unparsable values, and reports them as "file:line: ...".
        Assert.DoesNotContain("edgepali.service:", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Type=notify")]
    [InlineData("WatchdogSec=")]
    [InlineData("Restart=on-failure")]
    [InlineData("DynamicUser=yes")]
    [InlineData("StateDirectory=edgepali")]
    [InlineData("CacheDirectory=edgepali")]
    [InlineData("ProtectSystem=strict")]
    [InlineData("DeviceAllow=char-video4linux rw")]
    [InlineData("SupplementaryGroups=video gpio")]
    [InlineData("After=network-online.target")]
    [InlineData("Wants=network-online.target")]
    [InlineData("Environment=DOTNET_BUNDLE_EXTRACT_BASE_DIR=")]
    public async Task Unit_HasTheSettingTheWorkerReliesOn(string line)
    {
        var lines = await File.ReadAllLinesAsync(Unit);

        Assert.Contains(lines, l => l.StartsWith(line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task InstallScript_IsValidBash()
    {
        var (code, output) = await RunAsync("bash", "-n", Path.Combine(RepositoryPaths.Root, "deploy", "install.sh"));

        Assert.True(code == 0, output);
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
