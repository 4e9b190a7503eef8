using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Tests.Support;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EdgePali.Agent.Tests.Pipeline;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class PipelineHealthTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private readonly ManualClock _clock = new(Start);

    [Fact]
    public void NoFrameYet_IsHealthyDuringTheGracePeriod_ThenNot()
    {
        var (health, _) = Create(new CameraOptions { Name = "a", Source = "testpattern" });

        Assert.True(health.IsHealthy(out _));
        _clock.Advance(TimeSpan.FromSeconds(11));

        Assert.False(health.IsHealthy(out var problem));
        Assert.Equal("no camera delivered a frame for 11 s", problem);
    }

    [Fact]
    public void OneCameraStreaming_IsEnough()
    {
        var (health, cameras) = Create(new CameraOptions { Name = "a", Source = "testpattern" }, new CameraOptions { Name = "b", Source = "testpattern" });
        _clock.Advance(TimeSpan.FromSeconds(30));

        cameras.Cameras[1].Counters.RecordFrame(_clock.GetUtcNow().AddSeconds(-2));

        Assert.True(health.IsHealthy(out _));
    }

    [Fact]
    public void DisabledCameras_DoNotCount()
    {
        var (health, _) = Create(new CameraOptions { Name = "off", Source = "testpattern", Enabled = false });
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.True(health.IsHealthy(out _));
    }

    [Fact]
    public void AnalysisRunningTooLong_IsAHungModel_UntilItEnds()
    {
        var (health, cameras) = Create(new CameraOptions { Name = "a", Source = "testpattern" });
        health.AnalysisStarted();
        _clock.Advance(TimeSpan.FromSeconds(21));
        cameras.Cameras[0].Counters.RecordFrame(_clock.GetUtcNow());

        Assert.False(health.IsHealthy(out var problem));
        Assert.Equal("an analysis has been running for 21 s", problem);
        health.AnalysisEnded();
        Assert.True(health.IsHealthy(out _));
    }

    [Fact]
    public void AnalysesFailingInARow_AreABrokenModel_UntilOneSucceeds()
    {
        var (health, cameras) = Create(new CameraOptions { Name = "a", Source = "testpattern" });
        cameras.Cameras[0].Counters.RecordFrame(_clock.GetUtcNow());

        for (var i = 1; i < 3; i++)
            Assert.Equal(i, health.AnalysisFailed("boom"));
        Assert.True(health.IsHealthy(out _));
        health.AnalysisFailed("libonnxruntime.so: cannot open shared object file");

        Assert.False(health.IsHealthy(out var problem));
        Assert.Equal("the last 3 analyses all failed (last error: libonnxruntime.so: cannot open shared object file)", problem);
        Assert.Equal(3, health.AnalysesFailed);
        health.AnalysisSucceeded();
        Assert.True(health.IsHealthy(out _));
        Assert.Equal(0, health.FailedInARow);
        Assert.Equal(3, health.AnalysesFailed);
    }

    private (PipelineHealth Health, CameraRegistry Cameras) Create(params CameraOptions[] cameras)
    {
        var registry = new CameraRegistry(MsOptions.Create(new CamerasOptions { Items = [.. cameras] }));
        var health = new PipelineHealth(registry, MsOptions.Create(new HealthOptions { CaptureStallSeconds = 10, AnalysisStallSeconds = 20, MaxConsecutiveFailedAnalyses = 3 }), _clock);
        return (health, registry);
    }
}
