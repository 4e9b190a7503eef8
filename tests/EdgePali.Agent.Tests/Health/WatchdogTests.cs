using System.Net.Sockets;
using System.Text;
using EdgePali.Agent.Health;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Resilience;
using EdgePali.Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Systemd;

namespace EdgePali.Agent.Tests.Health;

/// <summary>
/// The watchdog pings reach a real sd_notify socket (a Unix datagram socket, as systemd listens on) through
/// the real SystemdNotifier, and stop while the model hangs.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class WatchdogTests : IDisposable
{
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task Pings_WhileThePipelineRuns_StopWhileAnAnalysisHangs()
    {
        var socketPath = Path.Combine(_state.Path, "notify.sock");
        await using var listener = new WatchdogPingListener(socketPath);
        var pings = listener.Pings;
        // The first analysis takes 4 s, far longer than Health:AnalysisStallSeconds (0.5 s): a hung model.
        var analyzer = new SlowTestAnalyzer(TimeSpan.FromSeconds(4));
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.AddRange(["--Health:AnalysisStallSeconds=0.5", "--Cameras:0:Name=dog", "--Cameras:0:Source=testpattern", "--Cameras:0:Width=64", "--Cameras:0:Height=48",
            "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=600"]);

        // Runs until the pings are back after the analysis ended, however long a busy machine takes to get there.
        bool PingsResumed()
        {
            if (!analyzer.Analysed.TryPeek(out var first))
                return false;
            lock (pings)
                return pings.Any(p => p > first.Started + TimeSpan.FromSeconds(4.3));
        }

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, PingsResumed, TimeSpan.FromSeconds(60), analyzer, configure: services =>
        {
            services.AddSingleton<ISystemdNotifier>(NotifierFor(socketPath));
            services.AddSingleton(new WatchdogSchedule(TimeSpan.FromMilliseconds(100)));
        });
        await Task.Delay(200);
        await listener.DisposeAsync();

        Assert.True(code == ExitCodes.Ok, errors);
        var analysis = Assert.Single(analyzer.Analysed);
        // Pings are stamped when received: the margins (1 s after the stall is noticed, 0.5 s before the analysis
        // ends) leave room for a ping sent just before to arrive late on a busy machine.
        var hungFrom = analysis.Started + TimeSpan.FromSeconds(1.5);
        var hungUntil = analysis.Started + TimeSpan.FromSeconds(3.5);
        lock (pings)
        {
            Assert.DoesNotContain(pings, p => p > hungFrom && p < hungUntil);
            Assert.Contains(pings, p => p > analysis.Started + TimeSpan.FromSeconds(4.3));
        }
    }

    [Fact]
    public async Task Pings_StopAfterTheConfiguredNumberOfFailedAnalysesInARow_AndStatsCountThem()
    {
        var socketPath = Path.Combine(_state.Path, "notify.sock");
        await using var listener = new WatchdogPingListener(socketPath);
        var pings = listener.Pings;
        var analyzer = new FailingTestAnalyzer();
        PipelineHealth? health = null;
        StatsCollector? stats = null;
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.AddRange(["--Health:MaxConsecutiveFailedAnalyses=3", "--Cameras:0:Name=dog", "--Cameras:0:Source=testpattern", "--Cameras:0:Width=64", "--Cameras:0:Height=48",
            "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.2"]);
        AgentStats? last = null;

        // Runs until two seconds after the third failure: long enough for several watchdog periods (100 ms).
        bool SeenEnough()
        {
            if (analyzer.Failures.Count < 3 || stats is null)
                return false;
            last = stats.GetStats();
            return DateTimeOffset.UtcNow > analyzer.Failures.ElementAt(2) + TimeSpan.FromSeconds(2);
        }

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, SeenEnough, TimeSpan.FromSeconds(60), analyzer, configure: services =>
        {
            services.AddSingleton<ISystemdNotifier>(NotifierFor(socketPath));
            services.AddSingleton(new WatchdogSchedule(TimeSpan.FromMilliseconds(100)));
            services.AddSingleton(sp => health = ActivatorUtilities.CreateInstance<PipelineHealth>(sp));
            services.AddSingleton<IStatsSource>(sp => stats = ActivatorUtilities.CreateInstance<StatsCollector>(sp));
        });
        await listener.DisposeAsync();

        Assert.True(code == ExitCodes.Ok, errors);
        Assert.NotNull(health);
        Assert.NotNull(last);
        var failures = analyzer.Failures.ToArray();
        Assert.True(failures.Length >= 3);
        Assert.Equal(failures.Length, (int)health.AnalysesFailed);
        Assert.True(health.FailedInARow >= 3);
        Assert.True(last.AnalysesFailed >= 3);
        Assert.Equal(0, last.Analyses);
        Assert.True(last.Cameras[0].AnalysesFailed >= 3);
        lock (pings)
        {
            // Fed before the third failure, not after it (1 s margin for a ping sent just before arriving late).
            Assert.Contains(pings, p => p < failures[2]);
            Assert.DoesNotContain(pings, p => p > failures[2] + TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>The real notifier reads its socket from NOTIFY_SOCKET when constructed, as under systemd.</summary>
    private static SystemdNotifier NotifierFor(string socketPath)
    {
        var previous = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", socketPath);
        try
        {
            return new SystemdNotifier();
        }
        finally
        {
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", previous);
        }
    }

    /// <summary>A NOTIFY_SOCKET stand-in: the time each WATCHDOG=1 datagram arrived (lock <see cref="Pings"/> to read it).</summary>
    private sealed class WatchdogPingListener : IAsyncDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _listening;
        private bool _disposed;

        public WatchdogPingListener(string socketPath)
        {
            _socket.Bind(new UnixDomainSocketEndPoint(socketPath));
            _listening = Task.Run(ListenAsync);
        }

        public List<DateTimeOffset> Pings { get; } = [];

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
                return;
            _disposed = true;
            await _stop.CancelAsync();
            await _listening;
            _socket.Dispose();
            _stop.Dispose();
        }

        private async Task ListenAsync()
        {
            var buffer = new byte[256];
            try
            {
                while (true)
                {
                    var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (Encoding.ASCII.GetString(buffer, 0, read) == "WATCHDOG=1")
                    {
                        lock (Pings)
                            Pings.Add(DateTimeOffset.UtcNow);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
