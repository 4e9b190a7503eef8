using System.Diagnostics;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Hosting;

/// <summary>The built `edgepali run` process with the tiny model: it works, and SIGTERM stops it cleanly and quickly.</summary>
public sealed class ProcessLifecycleTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public async Task Sigterm_WhileAnalysing_StopsWithinFiveSeconds_ExitCodeZero()
    {
        using var state = new TestDirectory();
        var start = new ProcessStartInfo(RepositoryPaths.Edgepali, [
            "run", $"--Model:Path={model.PackagePath}", $"--Agent:StateDirectory={state.Path}", $"--Mqtt:Port={AgentRun.FreePort()}",
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
}
