using EdgePali.Agent.Capture;
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Resilience;
using EdgePali.Agent.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EdgePali.Agent.Tests.Capture;

/// <summary>Real sources that fail, end and hang: the capture loop reconnects with backoff and never throws.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class CameraFaultTests(VideoFixture fixture) : IClassFixture<VideoFixture>
{
    [Fact]
    public async Task SourceThatErrors_IsRetriedWithBackoff_AndReportsItsError()
    {
        // A closed local port: the RTSP connection is refused at once, every time.
        var camera = Runtime(new CameraOptions { Name = "refused", Source = $"rtsp://127.0.0.1:{ClosedPort()}/stream", ReconnectInitialSeconds = 0.1, ReconnectMaxSeconds = 0.4 });

        var elapsed = await RunCaptureAsync(camera, () => camera.Counters.Reconnects >= 4);

        // Retried (four attempts came), and with backoff: the waits 0.1 + 0.2 + 0.4 s came between them, so four
        // attempts took at least 0.7 s (immediate retries would take milliseconds). A busy machine only takes longer.
        Assert.True(camera.Counters.Reconnects >= 4, $"{camera.Counters.Reconnects} reconnects");
        Assert.True(elapsed >= TimeSpan.FromSeconds(0.7), $"4 reconnects in {elapsed.TotalSeconds:0.00} s: no backoff");
        Assert.Equal(CameraState.Stopped, camera.State);
        Assert.Equal(0, camera.Counters.FramesCaptured);
        Assert.Contains("cannot open", camera.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileThatEnds_IsReopened_AndFramesContinue()
    {
        var camera = Runtime(new CameraOptions { Name = "once", Source = fixture.Video.FilePath, Loop = false, Fps = 0, ReconnectInitialSeconds = 0.1 });

        await RunCaptureAsync(camera, () => camera.Counters.Reconnects >= 1 && camera.Counters.FramesCaptured > TestVideo.FrameCount);

        Assert.True(camera.Counters.Reconnects >= 1, "the end of the file did not lead to a reconnect");
        Assert.True(camera.Counters.FramesCaptured > TestVideo.FrameCount, $"{camera.Counters.FramesCaptured} frames: the file was not read again after reconnecting");
        Assert.Null(camera.LastError);
    }

    [Fact]
    public async Task SourceThatHangsMidStream_IsDetectedAsStalled_AndReconnected()
    {
        // A named pipe fed with the first half of the video, then held open and silent: FFmpeg delivers the
        // frames it got and then blocks in read(), as a hung camera driver or a dead network stream does.
        // (This OpenCV build's FFmpeg has no network protocols, so a pipe stands in for a stream.) Once the
        // hang is detected the "camera comes back": the path becomes the readable video file.
        using var directory = new TestDirectory();
        var path = Path.Combine(directory.Path, "camera.avi");
        MakeFifo(path);
        var bytes = await File.ReadAllBytesAsync(fixture.Video.FilePath);
        using var release = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            await using var fifo = new FileStream(path, FileMode.Open, FileAccess.Write);
            await fifo.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await fifo.FlushAsync();
            await Task.Delay(Timeout.Infinite, release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var camera = Runtime(new CameraOptions { Name = "hung", Source = path, Fps = 0, StallTimeoutSeconds = 3, ReconnectInitialSeconds = 1 });
        var seen = new List<(CameraState State, string? Error, long Frames)>();
        var replaced = false;
        // The abandoned session stays blocked in read() until the writer lets go: a hung native call, which the
        // watchdog must see (the loop withholds its heartbeat), even though the loop itself carries on.
        var health = new PipelineHealth(MsOptions.Create(new HealthOptions { CaptureStallSeconds = 1 }), TimeProvider.System);
        string? hungProblem = null;

        await RunCaptureAsync(camera, () =>
        {
            seen.Add((camera.State, camera.LastError, camera.Counters.FramesCaptured));
            if (!replaced && camera.State == CameraState.Reconnecting)
            {
                File.Delete(path);
                File.Copy(fixture.Video.FilePath, path);
                replaced = true;
            }

            if (replaced && !health.IsHealthy(out var problem))
                hungProblem ??= problem;

            // Done once the camera streams again from the replacement, with more frames than before the hang, and
            // the watchdog saw the hung call.
            var hang = seen.FindIndex(s => s.State == CameraState.Reconnecting);
            return hungProblem is not null && hang >= 0 && seen.Skip(hang).Any(s => s.State == CameraState.Streaming && s.Frames > seen[hang].Frames);
        }, health);
        await release.CancelAsync();
        await writer; // the hung session's read now ends and it disposes its capture

        var hang = seen.FindIndex(s => s.State == CameraState.Reconnecting);
        Assert.True(hang > 0, "the hang was never detected");
        Assert.Contains("stalled", seen[hang].Error, StringComparison.Ordinal);
        Assert.True(seen[hang].Frames > 0, "no frame came through before the hang");
        Assert.Contains(seen.Skip(hang), s => s.State == CameraState.Streaming && s.Frames > seen[hang].Frames);
        Assert.StartsWith("the capture loop of camera 'hung' has not come round for", hungProblem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileThatDisappears_IsOffline_WhileTheLoopStaysAlive_AndStreamsAgainWhenItReturns()
    {
        // An unplugged camera: the file ends, cannot be reopened for several times the watchdog window, then is back.
        using var directory = new TestDirectory();
        var path = Path.Combine(directory.Path, "camera.avi");
        var away = path + ".away";
        File.Copy(fixture.Video.FilePath, path);
        var camera = Runtime(new CameraOptions { Name = "unplugged", Source = path, Loop = false, Fps = 0, StallTimeoutSeconds = 2, ReconnectInitialSeconds = 0.5, ReconnectMaxSeconds = 4 });
        // Backoff waits (up to 4 s) are longer than this window (the loop polls every 0.5 s): it must beat while it waits.
        var health = new PipelineHealth(MsOptions.Create(new HealthOptions { CaptureStallSeconds = 2 }), TimeProvider.System);
        var problems = new List<string>();
        var states = new List<CameraState>();
        System.Diagnostics.Stopwatch? offlineFor = null;
        long framesWhenBack = -1;

        await RunCaptureAsync(camera, () =>
        {
            if (!health.IsHealthy(out var problem))
                problems.Add($"{problem} while {camera.State} after {camera.Counters.FramesCaptured} frames");
            if (states.Count == 0 || states[^1] != camera.State)
                states.Add(camera.State);
            if (offlineFor is null && camera.Counters.FramesCaptured > 0 && File.Exists(path))
                File.Move(path, away);
            if (offlineFor is null && camera.State == CameraState.Offline)
                offlineFor = System.Diagnostics.Stopwatch.StartNew();
            if (offlineFor is { Elapsed.TotalSeconds: > 8 } && framesWhenBack < 0)
            {
                framesWhenBack = camera.Counters.FramesCaptured;
                File.Move(away, path);
            }

            return framesWhenBack >= 0 && camera.State == CameraState.Streaming && camera.Counters.FramesCaptured > framesWhenBack;
        }, health);

        Assert.True(problems.Count == 0, string.Join("; ", problems.Distinct()));
        Assert.True(framesWhenBack >= 0, $"the camera never went offline (states: {string.Join(", ", states)})");
        Assert.Contains(CameraState.Offline, states);
        Assert.Equal(CameraState.Streaming, states[^1]);
        Assert.True(camera.Counters.FramesCaptured > framesWhenBack, "no frame after the file came back");
    }

    [Fact]
    public void Backoff_DoublesUpToTheCap_AndResets()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

        var waits = Enumerable.Range(0, 5).Select(_ => backoff.Next().TotalSeconds).ToList();
        backoff.Reset();

        Assert.Equal([1, 2, 4, 5, 5], waits);
        Assert.Equal(1, backoff.Next().TotalSeconds);
    }

    private static CameraRuntime Runtime(CameraOptions options) => new(options);

    /// <summary>
    /// Runs the capture loop until <paramref name="done"/> (called every 20 ms) holds, or at most a generous
    /// deadline, so a busy machine only makes the test slower; returns how long it ran.
    /// </summary>
    private static async Task<TimeSpan> RunCaptureAsync(CameraRuntime camera, Func<bool> done, PipelineHealth? health = null)
    {
        var factory = new FrameSourceFactory(TimeProvider.System, NullLogger<FrameSourceFactory>.Instance);
        health ??= new PipelineHealth(MsOptions.Create(new HealthOptions()), TimeProvider.System);
        var capture = new CameraCapture(camera, factory, health.WatchLoop($"capture loop of camera '{camera.Name}'"), TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var started = System.Diagnostics.Stopwatch.StartNew();
        var running = capture.RunAsync(stop.Token);
        // The gate's role: keep taking frames so none count as dropped.
        var frame = new FrameBuffer();
        while (!running.IsCompleted)
        {
            if (done())
                await stop.CancelAsync();
            await Task.WhenAny(running, Task.Delay(20));
            if (camera.Slot.HasFresh)
                await camera.Slot.TakeAsync(frame, CancellationToken.None);
        }

        await running; // never throws: faults are states, not exceptions
        return started.Elapsed;
    }

    private static void MakeFifo(string path)
    {
        ProcessRunner.RunAsync("mkfifo", [path], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult().EnsureSuccess();
    }

    /// <summary>A port nothing listens on (the OS just handed it out and it was released).</summary>
    private static int ClosedPort() => FreePort.Next();
}
