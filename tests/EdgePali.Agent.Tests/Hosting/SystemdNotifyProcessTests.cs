using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EdgePali.Agent.Tests.Mqtt;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Hosting;

/// <summary>
/// The built `edgepali run` as systemd runs it with Type=notify and WatchdogSec=: NOTIFY_SOCKET names a Unix datagram
/// socket the test listens on (as systemd does) and WATCHDOG_USEC asks for pings. READY=1 comes only once the model
/// is loaded (never for a model that fails to load), WATCHDOG=1 while frames are analysed and while an unplugged
/// camera is retried, STOPPING=1 on SIGTERM.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class SystemdNotifyProcessTests(TinyModelFixture model, VideoFixture video) : IClassFixture<TinyModelFixture>, IClassFixture<VideoFixture>, IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task Ready_AfterTheModelLoads_WatchdogWhileAnalysing_StoppingOnSigterm()
    {
        using var notify = new NotifySocket(Path.Combine(_state.Path, "notify.sock"));
        using var process = Start(notify.Path, model.PackagePath, out var output);

        // Results from the real model (seq 3: the pipeline keeps analysing), and the watchdog pinging meanwhile.
        await WaitUntilAsync(() => output.Contains("seq 3 demo/caption"), () => $"no third result:\n{output}\n{notify}");
        var pingsWhileAnalysing = notify.Messages.Count(m => m.Text == "WATCHDOG=1");
        await WaitUntilAsync(() => notify.Messages.Count(m => m.Text == "WATCHDOG=1") >= pingsWhileAnalysing + 2, () => $"the watchdog pings stopped:\n{notify}");

        var stopping = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        var exited = await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(5))) is { IsCompletedSuccessfully: true } && process.HasExited;
        if (!exited)
            process.Kill(entireProcessTree: true);
        await WaitUntilAsync(() => notify.Messages.Any(m => m.Text == "STOPPING=1"), () => $"no STOPPING=1:\n{notify}");

        Assert.True(exited, $"still running 5 s after SIGTERM:\n{output}");
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(0, process.ExitCode);
        var texts = notify.Messages.Select(m => m.Text).ToList();
        // The order systemd sees: loading, loaded, READY=1 (exactly once), pings, STOPPING=1.
        var loading = texts.FindIndex(t => t.StartsWith("STATUS=Loading model ", StringComparison.Ordinal));
        var loaded = texts.FindIndex(t => t.StartsWith("STATUS=Model demo-tiny/int8 loaded", StringComparison.Ordinal));
        var ready = texts.IndexOf("READY=1");
        Assert.True(loading >= 0 && loaded > loading && ready > loaded, string.Join(" | ", texts));
        Assert.Single(texts, t => t == "READY=1");
        Assert.True(texts.IndexOf("STOPPING=1") > ready, string.Join(" | ", texts));
        Assert.True(texts.Skip(ready).Count(t => t == "WATCHDOG=1") >= 3, string.Join(" | ", texts));
    }

    [Fact]
    public async Task ModelThatFailsToLoad_NeverSaysReady_AndExitsWithFailure()
    {
        using var notify = new NotifySocket(Path.Combine(_state.Path, "notify.sock"));
        var empty = Directory.CreateDirectory(Path.Combine(_state.Path, "not-a-model")).FullName;
        using var process = Start(notify.Path, empty, out var output);

        using var timeout = new CancellationTokenSource(Generous);
        await process.WaitForExitAsync(timeout.Token);
        await Task.Delay(100); // a datagram sent just before exiting is already queued; give the listener its turn

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("start-up failed", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(notify.Messages, m => m.Text == "READY=1");
        Assert.Contains(notify.Messages, m => m.Text.StartsWith("STATUS=Loading model ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CameraUnpluggedForLongerThanTheWatchdogWindow_KeepsTheProcessUp_GoesOfflineAndBack_ResultsResume()
    {
        // The camera is a video file read once per session (Loop=false): at its end the worker reopens it, so renaming
        // it away is a camera that is unplugged (every reconnect attempt fails), renaming it back plugs it in again.
        var camera = Path.Combine(_state.Path, "door.avi");
        var away = camera + ".unplugged";
        File.Copy(video.Video.FilePath, camera);
        await using var broker = await MosquittoBroker.StartAsync();
        await using var dashboard = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/unplug/stats", "edgepali/unplug/door/caption"]);
        using var notify = new NotifySocket(Path.Combine(_state.Path, "notify.sock"));
        // WatchdogSec=4s (a ping every 2 s) and a 3 s loop window; the camera stays away for 12 s, three times both.
        using var process = Start(notify.Path, model.PackagePath, out var output, watchdogMicroseconds: 4_000_000,
        [
            "--Agent:DeviceId=unplug", "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={broker.Port}", "--Health:CaptureStallSeconds=3",
            "--Cameras:0:Name=door", $"--Cameras:0:Source={camera}", "--Cameras:0:Loop=false", "--Cameras:0:Fps=30",
            "--Cameras:0:ReconnectInitialSeconds=0.2", "--Cameras:0:ReconnectMaxSeconds=1",
            "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.5", "--Cameras:0:Tasks:0:MaxNewTokens=4",
        ]);
        try
        {
            await dashboard.WaitForTopicAsync("edgepali/unplug/door/caption", Generous);

            File.Move(camera, away);
            var offline = await dashboard.WaitForTopicAsync("edgepali/unplug/stats", Generous, m => CameraState(m) == "offline");
            var unplugged = DateTimeOffset.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(12));
            Assert.False(process.HasExited, $"the worker exited while the camera was away:\n{output}");
            dashboard.Clear();
            File.Move(away, camera);
            var pluggedIn = DateTimeOffset.UtcNow;

            var streaming = await dashboard.WaitForTopicAsync("edgepali/unplug/stats", Generous, m => CameraState(m) == "streaming");
            var resumed = await dashboard.WaitForTopicAsync("edgepali/unplug/door/caption", Generous);

            Assert.Contains("door.avi", JsonNode.Parse(offline.Text)!["cameras"]![0]!["error"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Null(JsonNode.Parse(streaming.Text)!["cameras"]![0]!["error"]);
            Assert.Equal("caption", JsonNode.Parse(resumed.Text)!["task"]!.GetValue<string>());
            Assert.False(process.HasExited, $"the worker exited:\n{output}");
            // What systemd would have seen: pings all through the outage, never a gap of WatchdogSec (4 s), after
            // which it would have killed the worker.
            var pings = notify.Messages.Where(m => m.Text == "WATCHDOG=1" && m.At > unplugged.AddSeconds(-4) && m.At < pluggedIn.AddSeconds(4)).Select(m => m.At).ToList();
            Assert.True(pings.Count >= 6, $"{pings.Count} pings during the outage: {notify}");
            var longestGap = pings.Zip(pings.Skip(1), (a, b) => b - a).Max();
            Assert.True(longestGap < TimeSpan.FromSeconds(4), $"a {longestGap.TotalSeconds:0.0} s gap between watchdog pings: systemd would have restarted the worker");
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    private static string? CameraState(MqttTestClient.Received stats) => JsonNode.Parse(stats.Text)?["cameras"]?[0]?["state"]?.GetValue<string>();

    private Process Start(string socketPath, string modelPath, out ProcessOutput output, long watchdogMicroseconds = 1_000_000, string[]? settings = null)
    {
        var start = new ProcessStartInfo(RepositoryPaths.BesideTests("edgepali"), [
            "run", $"--Model:Path={modelPath}", $"--Agent:StateDirectory={_state.Path}",
            "--Mqtt:HomeAssistant:Discovery=false", "--Devices:Thermal:Enabled=false", "--Snapshots:Enabled=false",
            .. settings ?? [
                $"--Mqtt:Port={FreePort.Next()}",
                "--Cameras:0:Name=demo", "--Cameras:0:Source=testpattern", "--Cameras:0:Width=64", "--Cameras:0:Height=48",
                "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.3", "--Cameras:0:Tasks:0:MaxNewTokens=4",
            ],
        ])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["NOTIFY_SOCKET"] = socketPath;
        // WatchdogSec=1s by default: a ping every half second while the pipeline makes progress.
        start.Environment["WATCHDOG_USEC"] = watchdogMicroseconds.ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(start)!;
        output = new ProcessOutput(process);
        return process;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Func<string> describe)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > Generous)
                Assert.Fail($"timed out: {describe()}");
            await Task.Delay(20);
        }
    }

    /// <summary>Collects the process' stdout and stderr lines.</summary>
    private sealed class ProcessOutput
    {
        private readonly StringBuilder _text = new();

        public ProcessOutput(Process process)
        {
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public bool Contains(string text)
        {
            lock (_text)
                return _text.ToString().Contains(text, StringComparison.Ordinal);
        }

        public override string ToString()
        {
            lock (_text)
                return _text.ToString();
        }

        private void Append(string? line)
        {
            lock (_text)
                _text.AppendLine(line);
        }
    }

    /// <summary>A Unix datagram socket as systemd listens on for sd_notify messages, recording each message in order.</summary>
    private sealed class NotifySocket : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        private readonly List<(DateTimeOffset At, string Text)> _messages = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _listening;

        public NotifySocket(string path)
        {
            Path = path;
            _socket.Bind(new UnixDomainSocketEndPoint(path));
            _listening = Task.Run(ListenAsync);
        }

        public string Path { get; }

        public IReadOnlyList<(DateTimeOffset At, string Text)> Messages
        {
            get
            {
                lock (_messages)
                    return [.. _messages];
            }
        }

        public override string ToString() => string.Join(" | ", Messages.Select(m => m.Text));

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
            try
            {
                _listening.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }

            _stop.Dispose();
        }

        private async Task ListenAsync()
        {
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    // One datagram may carry several newline-separated assignments.
                    foreach (var line in Encoding.UTF8.GetString(buffer, 0, read).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        lock (_messages)
                            _messages.Add((DateTimeOffset.UtcNow, line));
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }
    }
}
