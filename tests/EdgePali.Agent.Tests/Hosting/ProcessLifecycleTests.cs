using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Hosting;

/// <summary>The built `edgepali run` process with the tiny model: it works, and SIGTERM stops it cleanly and quickly, also while the model loads.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class ProcessLifecycleTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public async Task Sigterm_WhileAnalysing_StopsWithinFiveSeconds_ExitCodeZero()
    {
        using var state = new TestDirectory();
        var start = new ProcessStartInfo(RepositoryPaths.BesideTests("edgepali"), [
            "run", $"--Model:Path={model.PackagePath}", $"--Agent:StateDirectory={state.Path}", $"--Mqtt:Port={FreePort.Next()}",
            "--Cameras:0:Name=demo", "--Cameras:0:Source=testpattern", "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.5",
        ])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var firstResult = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
                output.AppendLine(e.Data);
            if (e.Data?.Contains("seq 2 demo/caption", StringComparison.Ordinal) == true)
                firstResult.TrySetResult();
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Real results from the real model first (seq 2: the pipeline is busy), then SIGTERM.
        await firstResult.Task.WaitAsync(TimeSpan.FromSeconds(120));
        var stopping = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        var exited = await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(5))) is { IsCompletedSuccessfully: true } t && process.HasExited;
        if (!exited)
            process.Kill(entireProcessTree: true);

        Assert.True(exited, $"still running 5 s after SIGTERM:\n{output}");
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(0, process.ExitCode);
        // The sequence file holds the last number issued: nothing lost, nothing reused on the next start.
        var last = long.Parse(File.ReadAllText(Path.Combine(state.Path, "sequence")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(last >= 2);
    }

    [Fact]
    public async Task Sigterm_WhileTheModelLoads_IsAnOrdinaryStop_ExitCodeZero_NoFailOrCritLines()
    {
        // A copy of the package whose largest file is a named pipe nobody writes: the load (checksum pass) blocks on
        // it for as long as the test wants, like a slow SD card, so SIGTERM surely arrives mid-load.
        using var state = new TestDirectory();
        var package = Path.Combine(state.Path, "slow-package");
        CopyDirectory(model.PackagePath, package);
        var manifestPath = Path.Combine(package, "edgepali.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var largest = manifest["files"]!.AsArray().OrderByDescending(f => (long)f!["bytes"]!).First()!;
        largest.AsObject().Remove("bytes"); // a pipe has no length to compare; the sha256 still makes the loader read it
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        var pipe = Path.Combine(package, (string)largest["path"]!);
        File.Delete(pipe);
        using (var mkfifo = Process.Start("mkfifo", [pipe]))
            await mkfifo.WaitForExitAsync();

        var start = new ProcessStartInfo(RepositoryPaths.BesideTests("edgepali"), [
            "run", $"--Model:Path={package}", $"--Agent:StateDirectory={state.Path}", $"--Mqtt:Port={FreePort.Next()}",
            "--Cameras:0:Name=demo", "--Cameras:0:Source=testpattern", "--Cameras:0:Tasks:0:Task=caption",
        ])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var loading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        void Collect(string? line)
        {
            lock (output)
                output.AppendLine(line);
            if (line?.Contains("Loading model", StringComparison.Ordinal) == true)
                loading.TrySetResult();
        }

        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        await loading.Task.WaitAsync(TimeSpan.FromSeconds(120));
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        var exited = await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(10))) is { IsCompletedSuccessfully: true } && process.HasExited;
        if (!exited)
            process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();

        var log = output.ToString();
        Assert.True(exited, $"still running 10 s after SIGTERM:\n{log}");
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("Stop requested while loading the model", log, StringComparison.Ordinal);
        Assert.DoesNotContain(" fail: ", log, StringComparison.Ordinal);
        Assert.DoesNotContain(" crit: ", log, StringComparison.Ordinal);
        Assert.DoesNotContain("start-up failed", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SequenceNumberThatCannotBePersisted_StopsTheProcess_WithExitCodeOne()
    {
        // A real "disk full" for the sequence file: its temporary file is /dev/full, where every write fails with ENOSPC.
        using var state = new TestDirectory();
        File.CreateSymbolicLink(Path.Combine(state.Path, "sequence.tmp"), "/dev/full");
        var run = await ProcessRunner.RunAsync(RepositoryPaths.BesideTests("edgepali"), [
            "run", $"--Model:Path={model.PackagePath}", $"--Agent:StateDirectory={state.Path}", $"--Mqtt:Port={FreePort.Next()}",
            "--Cameras:0:Name=demo", "--Cameras:0:Source=testpattern", "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.5",
        ], TimeSpan.FromSeconds(180));

        var log = run.Stdout + run.Stderr;
        // systemd's Restart=on-failure restarts only a process that exits non-zero.
        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}:\n{log}");
        Assert.Contains("Cannot persist the result sequence number: No space left on device", log, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(state.Path, "sequence")));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
