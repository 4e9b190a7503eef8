using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Tasks;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Tests.Pipeline;

/// <summary>The similarity gate's per-task memory (megabytes per entry) is held only for tasks that exist.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class LastAnalysedBoundTests
{
    private static readonly StageTimings Timings = new(1, 1, 1, 1, 1, 1);

    [Fact]
    public void CyclingTaskNames_KeepsOneEntryPerScheduledTask()
    {
        var camera = new CameraRuntime(new CameraOptions { Name = "front", Source = "testpattern" });
        for (var i = 0; i < 500; i++)
        {
            // A client replaces its task with one under a new name each time, as a script cycling names would.
            Assert.Null(camera.ApplySettings(Settings($"t{i}")));
            camera.SetLastAnalysed($"t{i}", new float[1024], Result());
            Assert.Equal(1, camera.LastAnalysedCount);
        }

        Assert.True(camera.TryGetLastAnalysed("t499", out _));
        Assert.False(camera.TryGetLastAnalysed("t498", out _));
    }

    [Fact]
    public void ResultOfATaskRemovedMidAnalysis_IsNotRemembered()
    {
        var camera = new CameraRuntime(new CameraOptions { Name = "front", Source = "testpattern" });
        Assert.Null(camera.ApplySettings(Settings("kept")));
        camera.SetLastAnalysed("gone", new float[16], Result());
        camera.SetLastAnalysed("kept", new float[16], Result());
        Assert.Equal(1, camera.LastAnalysedCount);
        Assert.True(camera.TryGetLastAnalysed("kept", out _));
    }

    private static CameraSettings Settings(string taskName) =>
        new("front", true, [new TaskSettings(taskName, "caption", null, [], TaskTrigger.Interval, TimeSpan.FromSeconds(5))]);

    private static AnalysisResult Result() => new(new CaptionTask(), "a caption", [1], [], Timings);
}
