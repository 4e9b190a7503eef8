using System.Diagnostics;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Deploy;

/// <summary>
/// deploy/systemd/edgepali.service passes `systemd-analyze verify`, has the settings the worker relies on, stays as
/// hardened as `systemd-analyze security` rated it, and the worker (traced with strace) makes no system call the
/// unit's filter would refuse.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class SystemdUnitTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>
{
    /// <summary>`systemd-analyze security --offline=true` on the shipped unit (systemd 252); docs/deploy.md quotes it. Lower is better: lower it when hardening more.</summary>
    private const double ExposureAtMost = 1.6;
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
        await File.WriteAllTextAsync(copy, text.Replace("ExecStart=/opt/edgepali/edgepali", "ExecStart=" + RepositoryPaths.BesideTests("edgepali"), StringComparison.Ordinal));

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
    [InlineData("CapabilityBoundingSet=")]
    [InlineData("SystemCallFilter=@system-service")]
    [InlineData("ProtectProc=invisible")]
    [InlineData("UMask=0077")]
    [InlineData("MemoryMax=")]
    [InlineData("TasksMax=")]
    [InlineData("DeviceAllow=/dev/gpiomem rw")]
    public async Task Unit_HasTheSettingTheWorkerReliesOn(string line)
    {
        var lines = await File.ReadAllLinesAsync(Unit);

        Assert.Contains(lines, l => l.StartsWith(line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unit_ExposureScore_StaysAtOrBelowTheHardenedValue()
    {
        var (code, output) = await RunAsync("systemd-analyze", "security", "--offline=true", "--no-pager", Unit);

        Assert.True(code == 0, output);
        var match = System.Text.RegularExpressions.Regex.Match(output, @"Overall exposure level for edgepali\.service: (\d+\.\d)");
        Assert.True(match.Success, output);
        var exposure = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(exposure <= ExposureAtMost, $"exposure {exposure} > {ExposureAtMost}: a hardening setting was lost\n{output}");
    }

    [Fact]
    public void Unit_LeavesMemoryDenyWriteExecuteOff_TheDotnetJitNeedsIt()
    {
        // MemoryDenyWriteExecute=yes stops the .NET JIT (and so the worker) at start; the comment in the unit says why it is absent.
        Assert.DoesNotContain(File.ReadAllLines(Unit), l => l.StartsWith("MemoryDenyWriteExecute=", StringComparison.Ordinal));
    }

    /// <summary>
    /// systemd cannot run as PID 1 in the build container, so the unit's seccomp filter cannot be applied for real.
    /// Instead the real worker runs under strace (tiny model, test-pattern camera, embedded broker, start to a clean
    /// stop) and every system call it made must be in the set the unit's SystemCallFilter= lines allow, expanded
    /// with `systemd-analyze syscall-filter`. Covers the x64 code paths exercised here (no GPIO, V4L2 or RTSP).
    /// </summary>
    [Fact]
    public async Task Worker_MakesOnlySystemCallsTheUnitAllows()
    {
        var allowed = await AllowedSystemCallsAsync(await File.ReadAllLinesAsync(Unit));
        using var state = new TestDirectory();
        var trace = Path.Combine(state.Path, "strace.txt");
        List<string> command = ["strace", "-f", "-qq", "-c", "-o", trace, RepositoryPaths.BesideTests("edgepali"), "run", "--duration", "20",
            $"--Model:Path={model.PackagePath}", $"--Agent:StateDirectory={Path.Combine(state.Path, "state")}", $"--Mqtt:Port={FreePort.Next()}",
            "--Cameras:0:Name=demo", "--Cameras:0:Source=testpattern", "--Cameras:0:Width=64", "--Cameras:0:Height=48",
            "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=1", "--Cameras:0:Tasks:0:MaxNewTokens=4"];
        if (OperatingSystem.IsLinux() && Environment.UserName == "root")
        {
            // The service runs as an unprivileged dynamic user, and libraries act differently for root (SQLite, inside
            // ONNX Runtime, chowns its files only when root): trace the worker as the unprivileged user "nobody".
            File.SetUnixFileMode(state.Path, (UnixFileMode)0b111_111_111); // 0777: nobody writes the state folder inside it
            command[6] = ReachableByEveryone(RepositoryPaths.BesideTests("edgepali"), state.Path);
            command.InsertRange(0, ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]);
        }

        var (code, output) = await RunAsync(command[0], [.. command.Skip(1)]);

        Assert.True(code == 0, output);
        Assert.Contains("demo/caption", output, StringComparison.Ordinal);
        var used = File.ReadAllLines(trace)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 5 && double.TryParse(f[0], System.Globalization.CultureInfo.InvariantCulture, out _))
            .Select(f => f[^1]).Where(name => name != "total").ToList();
        Assert.True(used.Count > 30, File.ReadAllText(trace));
        var refused = used.Where(name => !allowed.Contains(name)).ToList();
        Assert.True(refused.Count == 0, "system calls the unit's filter refuses: " + string.Join(", ", refused));
    }

    /// <summary>
    /// The worker's path if "nobody" can reach it, else a copy of its build output under <paramref name="scratch"/>: a
    /// clone under a private folder (CI's may live under /root, mode 0700) is not reachable for an unprivileged user.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string ReachableByEveryone(string program, string scratch)
    {
        var folder = Path.GetDirectoryName(program)!;
        var reachable = true;
        for (var d = new DirectoryInfo(folder); d is not null; d = d.Parent)
        {
            reachable &= (d.UnixFileMode & UnixFileMode.OtherExecute) != 0;
        }

        if (reachable)
        {
            return program;
        }

        var copy = Path.Combine(scratch, "app");
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            File.SetUnixFileMode(target, File.GetUnixFileMode(file) | UnixFileMode.OtherRead);
        }

        for (var d = new DirectoryInfo(copy); d.FullName != Path.GetDirectoryName(scratch); d = d.Parent!)
        {
            d.UnixFileMode |= UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        }

        return Path.Combine(copy, Path.GetFileName(program));
    }

    /// <summary>The system calls SystemCallFilter= lines allow: the union of the allow lines minus the `~` lines, groups expanded.</summary>
    private static async Task<HashSet<string>> AllowedSystemCallsAsync(IEnumerable<string> unitLines)
    {
        var (code, dump) = await RunAsync("systemd-analyze", "syscall-filter", "--no-pager");
        Assert.True(code == 0, dump);
        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var line in dump.Split('\n'))
        {
            if (line.StartsWith('@'))
            {
                groups[line.Trim()] = current = [];
            }
            else if (current is not null && line.Trim() is { Length: > 0 } entry && !entry.StartsWith('#'))
            {
                current.Add(entry);
            }
        }

        IEnumerable<string> Expand(string name) => name.StartsWith('@') ? groups[name].SelectMany(Expand) : [name];
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        var denied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in unitLines.Where(l => l.StartsWith("SystemCallFilter=", StringComparison.Ordinal)).Select(l => l["SystemCallFilter=".Length..]))
        {
            var deny = value.StartsWith('~');
            foreach (var name in value.TrimStart('~').Split(' ', StringSplitOptions.RemoveEmptyEntries).SelectMany(Expand))
            {
                (deny ? denied : allowed).Add(name);
            }
        }

        allowed.ExceptWith(denied);
        Assert.True(allowed.Count > 100, dump);
        return allowed;
    }

    [Fact]
    public async Task InstallScript_IsValidBash()
    {
        var (code, output) = await RunAsync("bash", "-n", Path.Combine(RepositoryPaths.Root, "deploy", "install.sh"));

        Assert.True(code == 0, output);
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] arguments)
    {
        var run = await ProcessRunner.RunAsync(program, arguments, TimeSpan.FromMinutes(2));
        return (run.ExitCode, run.Stdout + run.Stderr);
    }
}
