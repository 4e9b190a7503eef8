using EdgePali.Agent.Devices;
using EdgePali.Agent.Options;
using EdgePali.Agent.Resilience;
using EdgePali.Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EdgePali.Agent.Tests.Devices;

[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class ThermalThrottleTests
{
    private static readonly ThermalOptions Limits = new() { SlowAboveCelsius = 75, PauseAboveCelsius = 82, ResumeBelowCelsius = 70 };

    [Fact]
    public void Levels_FollowTheTemperature_WithHysteresis()
    {
        var throttle = new ThermalThrottle(Limits);
        double?[] readings = [60, 74, 76, 72, 71, 83, 80, 74, 78, 69.9, 74];
        ThrottleLevel[] expected =
        [
            ThrottleLevel.None, ThrottleLevel.None, ThrottleLevel.Slow,
            ThrottleLevel.Slow, ThrottleLevel.Slow, // cooling, but not yet below 70
            ThrottleLevel.Paused,
            ThrottleLevel.Paused, // 80: still above slow, stays paused
            ThrottleLevel.Slow, // below slow: steps back to slow, not to full speed
            ThrottleLevel.Slow, ThrottleLevel.None, ThrottleLevel.None,
        ];

        var levels = readings.Select(throttle.Update).ToArray();

        Assert.Equal(expected, levels);
    }

    [Fact]
    public void SensorGone_NeverStaysThrottled()
    {
        var throttle = new ThermalThrottle(Limits);
        throttle.Update(90);

        Assert.Equal(ThrottleLevel.None, throttle.Update(null));
    }

    [Fact]
    public async Task WaitWhilePaused_ReturnsOnceCooled()
    {
        var throttle = new ThermalThrottle(Limits);
        throttle.Update(90);

        var waiting = throttle.WaitWhilePausedAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        throttle.Update(65);

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task HotBoard_PausesAnalysis_CaptureContinues_AndResumesWhenCool()
    {
        using var state = new TestDirectory();
        var sensor = new SimulatedThermalSource(90);
        var analyzer = new SlowTestAnalyzer(TimeSpan.FromMilliseconds(5));
        var publisher = new CollectingResultPublisher();
        var arguments = AgentRun.BaseArguments(state.Path);
        arguments.Remove("--Devices:Thermal:Enabled=false");
        arguments.AddRange(["--Devices:Thermal:PollSeconds=0.1", "--Cameras:0:Name=hot", "--Cameras:0:Source=testpattern", "--Cameras:0:Fps=20", "--Cameras:0:Width=64", "--Cameras:0:Height=48",
            "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.05"]);
        StatsProbe? probe = null;
        var started = new TaskCompletionSource<StatsProbe>();
        var countWhileHot = -1;
        var cooler = Task.Run(async () =>
        {
            await (await started.Task).Started;
            await Task.Delay(1000);
            countWhileHot = publisher.Results.Count;
            sensor.Celsius = 60;
        });

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, () => cooler.IsCompleted && publisher.Results.Count >= 2, TimeSpan.FromSeconds(60), analyzer, publisher, services =>
        {
            services.AddSingleton<EdgePali.Agent.Devices.ICpuTemperatureSensor>(sensor);
            services.AddHostedService(sp =>
            {
                probe = ActivatorUtilities.CreateInstance<StatsProbe>(sp);
                started.TrySetResult(probe);
                return probe;
            });
        });
        await cooler;

        Assert.True(code == ExitCodes.Ok, errors);
        Assert.Equal(0, countWhileHot);
        Assert.True(publisher.Results.Count >= 2, $"{publisher.Results.Count} results after cooling");
        Assert.True(probe!.Captured!.Cameras[0].FramesCaptured >= 10, "capture did not continue while hot");
        Assert.Equal(60, probe.Captured.CpuTemperatureCelsius);
        Assert.False(probe.Captured.Throttled);
    }
}
