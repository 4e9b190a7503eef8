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
    public void LoopThatKeepsBeating_IsHealthy_HoweverLongItHasNothingToShow()
    {
        // A camera that is unplugged: its capture loop delivers no frame but comes round while it retries.
        var health = Create();
        var capture = health.WatchLoop("capture loop of camera 'door'");
        for (var i = 0; i < 100; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(9));
            capture.Beat();
            Assert.True(health.IsHealthy(out var problem), problem);
        }
    }

    [Fact]
    public void LoopThatStopsBeating_IsHung_AndNamedInTheProblem()
    {
        // One capture loop stuck in a native call that never returns; the other camera is fine.
        var health = Create();
        var door = health.WatchLoop("capture loop of camera 'door'");
        var yard = health.WatchLoop("capture loop of camera 'yard'");
        _clock.Advance(TimeSpan.FromSeconds(9));
        door.Beat();
        yard.Beat();
        _clock.Advance(TimeSpan.FromSeconds(9));
        door.Beat();
        Assert.True(health.IsHealthy(out _));
        _clock.Advance(TimeSpan.FromSeconds(2));
        door.Beat();

        Assert.False(health.IsHealthy(out var problem));
        Assert.Equal("the capture loop of camera 'yard' has not come round for 11 s (stuck in a call that does not return)", problem);
    }

    [Fact]
    public void LoopThatStopped_IsNoLongerWatched()
    {
        var health = Create();
        var capture = health.WatchLoop("capture loop of camera 'door'");
        capture.Stop();
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.True(health.IsHealthy(out var problem), problem);
    }

    [Fact]
    public void NoLoopsYet_IsHealthy()
    {
        var health = Create();
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.True(health.IsHealthy(out _));
    }

    [Fact]
    public void AnalysingLoop_IsJudgedByTheAnalysisLimitDuringAnAnalysis_AndByTheLoopLimitAfterIt()
    {
        var health = Create();
        var scheduler = health.WatchLoop("analysis scheduler loop", excusedWhileAnalysing: true);
        health.AnalysisStarted();
        _clock.Advance(TimeSpan.FromSeconds(15));
        Assert.True(health.IsHealthy(out var during), during);

        health.AnalysisEnded();
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.True(health.IsHealthy(out var after), after);
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.False(health.IsHealthy(out var problem));
        Assert.Equal("the analysis scheduler loop has not come round for 11 s (stuck in a call that does not return)", problem);
        scheduler.Beat();
        Assert.True(health.IsHealthy(out _));
    }

    [Fact]
    public void AnalysisRunningTooLong_IsAHungModel_UntilItEnds()
    {
        var health = Create();
        health.AnalysisStarted();
        _clock.Advance(TimeSpan.FromSeconds(21));

        Assert.False(health.IsHealthy(out var problem));
        Assert.Equal("an analysis has been running for 21 s", problem);
        health.AnalysisEnded();
        Assert.True(health.IsHealthy(out _));
    }

    [Fact]
    public void AnalysesFailingInARow_AreABrokenModel_UntilOneSucceeds()
    {
        var health = Create();

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

    private PipelineHealth Create() =>
        new(MsOptions.Create(new HealthOptions { CaptureStallSeconds = 10, AnalysisStallSeconds = 20, MaxConsecutiveFailedAnalyses = 3 }), _clock);
}
