using EdgePali.Agent.Resilience;
using EdgePali.Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EdgePali.Agent.Tests.Scheduling;

/// <summary>The whole worker in-process (capture from a real video file, gate, scheduler, publish) with a test analyser.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class PipelineTests(VideoFixture fixture) : IClassFixture<VideoFixture>, IDisposable
{
    /// <summary>Each run stops as soon as it has what the test needs; this only bounds a run that never gets there.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task MotionTask_RunsOnlyOnFramesFromTheMovingSegment()
    {
        var analyzer = new SlowTestAnalyzer(TimeSpan.FromMilliseconds(20));
        var publisher = new CollectingResultPublisher();
        var arguments = VideoCamera(fps: 20);
        arguments.AddRange(["--Cameras:0:Tasks:0:Task=detect", "--Cameras:0:Tasks:0:Labels:0=person", "--Cameras:0:Tasks:0:Trigger=motion", "--Cameras:0:Tasks:0:IntervalSeconds=0.05"]);

        // The 90-frame video at 20 fps is 4.5 s: five analyses take at least one moving segment, whatever the machine's speed.
        var (code, errors) = await AgentRun.RunUntilAsync(arguments, () => publisher.Results.Count >= 5, Deadline, analyzer, publisher);

        Assert.True(code == ExitCodes.Ok, errors);
        var analysed = analyzer.Analysed.ToList();
        Assert.True(analysed.Count >= 5, $"only {analysed.Count} analyses");
        // When the file loops, its first still frame follows the last one with the square elsewhere: a real
        // scene change, which the gate rightly counts as motion.
        Assert.All(analysed, a => Assert.True(a.Moving || a.Number % TestVideo.FrameCount == 1, $"frame {a.Number} from a still segment was analysed"));
        // The run stops as soon as five results are in: an analysis started just then is cancelled, not published.
        Assert.InRange(publisher.Results.Count, analysed.Count - 1, analysed.Count);
        Assert.All(publisher.Results, r => Assert.Equal("person", Assert.Single(r.Result.Objects).Label));
    }

    [Fact]
    public async Task SlowModel_AlwaysGetsARecentFrame_AndStaleFramesAreDroppedAndCounted()
    {
        // 300 ms per analysis against 20 frames/s, a task due on every frame: a queue would fall further behind
        // with every frame; latest-frame-wins keeps each analysis on a fresh frame.
        var analyzer = new SlowTestAnalyzer(TimeSpan.FromMilliseconds(300));
        var publisher = new CollectingResultPublisher();
        StatsProbe? probe = null;
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.AddRange([
            "--Cameras:0:Name=walk", "--Cameras:0:Source=testpattern", "--Cameras:0:Fps=20", "--Cameras:0:Width=160", "--Cameras:0:Height=120",
            "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.01",
        ]);

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, () => analyzer.Analysed.Count >= 6, Deadline, analyzer, publisher, services =>
            services.AddHostedService(sp => probe = ActivatorUtilities.CreateInstance<StatsProbe>(sp)));

        Assert.True(code == ExitCodes.Ok, errors);
        var analysed = analyzer.Analysed.ToList();
        Assert.True(analysed.Count >= 6, $"only {analysed.Count} analyses");
        // Each analysis gets a frame captured while the previous analysis ran (a queue would hand it the frame
        // right after the previous one, from before that analysis started), and frames captured meanwhile are skipped.
        Assert.All(analysed.Zip(analysed.Skip(1)), p =>
        {
            Assert.True(p.Second.Captured > p.First.Started, $"frame {p.Second.Number} was captured before the previous analysis started");
            Assert.True(p.Second.Number - p.First.Number >= 2, $"frames {p.First.Number} then {p.Second.Number}: nothing skipped");
        });
        Assert.All(analysed, a => Assert.True(a.AgeAtStart < TimeSpan.FromSeconds(2), $"frame {a.Number} was {a.AgeAtStart.TotalMilliseconds:0} ms old"));
        var camera = Assert.Single(probe!.Captured!.Cameras);
        Assert.True(camera.FramesDropped >= camera.FramesCaptured / 2, $"{camera.FramesDropped} dropped of {camera.FramesCaptured}");
        // The stats are taken as the host begins to stop: the analysis in flight then is not complete yet.
        Assert.InRange(camera.Analyses, analysed.Count - 1, analysed.Count);
    }

    [Fact]
    public async Task SequenceNumbers_ContinueAcrossARestart()
    {
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.AddRange(["--Cameras:0:Name=seq", "--Cameras:0:Source=testpattern", "--Cameras:0:Fps=20", "--Cameras:0:Width=64", "--Cameras:0:Height=48", "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.1"]);
        var first = new CollectingResultPublisher();
        var second = new CollectingResultPublisher();

        var run1 = await AgentRun.RunUntilAsync(arguments, () => first.Results.Count >= 2, Deadline, new SlowTestAnalyzer(TimeSpan.FromMilliseconds(5)), first);
        var run2 = await AgentRun.RunUntilAsync(arguments, () => second.Results.Count >= 2, Deadline, new SlowTestAnalyzer(TimeSpan.FromMilliseconds(5)), second);

        Assert.True(run1.ExitCode == 0, run1.Errors);
        Assert.True(run2.ExitCode == 0, run2.Errors);
        var seqs = first.Results.Concat(second.Results).Select(r => r.Sequence).ToList();
        Assert.True(first.Results.Count >= 2 && second.Results.Count >= 2, $"{first.Results.Count} and {second.Results.Count} results");
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task RoundRobin_TwoBusyCameras_ShareTheModelFairly()
    {
        var analyzer = new SlowTestAnalyzer(TimeSpan.FromMilliseconds(50));
        var publisher = new CollectingResultPublisher();
        var arguments = AgentRun.BaseArguments(_state.Path);
        foreach (var i in new[] { 0, 1 })
        {
            arguments.AddRange([$"--Cameras:{i}:Name=cam{i}", $"--Cameras:{i}:Source=testpattern", $"--Cameras:{i}:Fps=20", $"--Cameras:{i}:Width=64", $"--Cameras:{i}:Height=48",
                $"--Cameras:{i}:Tasks:0:Task=caption", $"--Cameras:{i}:Tasks:0:IntervalSeconds=0.01"]);
        }

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, () => publisher.Results.Count >= 16, Deadline, analyzer, publisher);

        Assert.True(code == 0, errors);
        var order = publisher.Results.Select(r => r.Camera).ToList();
        Assert.True(order.Count >= 10, $"{order.Count} results");
        // Strict alternation while both always have work: from the first result of the camera whose first frame came
        // second (on a loaded machine one capture loop can start a few frames after the other).
        var bothBusy = order.SkipWhile(c => c == order[0]).ToList();
        Assert.True(bothBusy.Count >= 5, string.Join(",", order));
        Assert.All(bothBusy.Zip(bothBusy.Skip(1)), p => Assert.NotEqual(p.First, p.Second));
    }

    [Fact]
    public async Task TasksDueOnOneFrame_ShareOneVisionEncode()
    {
        // A caption and a detect task due on every frame: each frame the scheduler takes is encoded once and both
        // language-model runs use it, in the configured order.
        var analyzer = new SlowTestAnalyzer(TimeSpan.FromMilliseconds(20));
        var publisher = new CollectingResultPublisher();
        var arguments = VideoCamera(fps: 20);
        arguments.AddRange([
            "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.01",
            "--Cameras:0:Tasks:1:Task=detect", "--Cameras:0:Tasks:1:Labels:0=person", "--Cameras:0:Tasks:1:IntervalSeconds=0.01",
        ]);

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, () => publisher.Results.Count >= 8, Deadline, analyzer, publisher);

        Assert.True(code == ExitCodes.Ok, errors);
        var analysed = analyzer.Analysed.ToList();
        var frames = analysed.Select(a => a.Number).Distinct().Count();
        Assert.True(frames >= 4, $"{frames} frames");
        // One encode per frame (the run may stop right after the next frame's encode), two analyses on each.
        Assert.InRange(analyzer.Encoded, frames, frames + 1);
        Assert.All(analysed.GroupBy(a => a.Number).SkipLast(1), g => Assert.Equal(["caption", "detect"], g.Select(a => a.Kind)));
        var results = publisher.Results.ToList();
        Assert.All(results.Chunk(2).Where(c => c.Length == 2), pair =>
        {
            Assert.Equal(pair[0].FrameTimestamp, pair[1].FrameTimestamp);
            Assert.Equal(["caption", "detect"], pair.Select(r => r.TaskName));
        });
    }

    [Fact]
    public async Task SimilarityGate_NearIdenticalFrames_ReuseTheLastResult()
    {
        // Every frame encodes to the same features: after the first analysis the language model is skipped.
        var analyzer = new SlowTestAnalyzer(TimeSpan.FromMilliseconds(5), _ => [0.5f, 0.5f, 0.1f]);
        var publisher = new CollectingResultPublisher();
        var arguments = VideoCamera(fps: 20);
        arguments.AddRange(["--Cameras:0:SimilarityThreshold=0.98", "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.1"]);

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, () => publisher.Results.Count >= 3, Deadline, analyzer, publisher);

        Assert.True(code == 0, errors);
        var results = publisher.Results.ToList();
        Assert.True(results.Count >= 3, $"{results.Count} results");
        Assert.Single(analyzer.Analysed);
        Assert.False(results[0].Reused);
        Assert.All(results.Skip(1), r => Assert.True(r.Reused));
        Assert.All(results.Skip(1), r => Assert.Equal(results[0].Result.Text, r.Result.Text));
        Assert.Equal(Enumerable.Range(1, results.Count).Select(i => (long)i), results.Select(r => r.Sequence));
        // Every result came from encoding its frame; the run may stop after the next frame was encoded, before its result.
        Assert.InRange(analyzer.Encoded, results.Count, results.Count + 1);
    }

    private List<string> VideoCamera(int fps)
    {
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.AddRange(["--Cameras:0:Name=video", $"--Cameras:0:Source={fixture.Video.FilePath}", $"--Cameras:0:Fps={fps}"]);
        return arguments;
    }
}
