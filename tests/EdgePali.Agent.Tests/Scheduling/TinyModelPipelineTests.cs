using EdgePali.Agent.Resilience;
using EdgePali.Agent.Scheduling;
using EdgePali.Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EdgePali.Agent.Tests.Scheduling;

/// <summary>
/// The whole worker on the real tiny model (ONNX Runtime) reading an OpenCV-written video: motion-triggered
/// detection runs only on frames from the moving segment, results carry the model's output, and the sequence
/// continues across a restart.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class TinyModelPipelineTests(TinyModelFixture model, VideoFixture video) : IClassFixture<TinyModelFixture>, IClassFixture<VideoFixture>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task MotionDetect_OnTheTinyModel_AnalysesMovingFramesOnly_AndSequenceContinuesAfterARestart()
    {
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.Remove($"--Model:Path={_state.Path}");
        arguments.AddRange([
            $"--Model:Path={model.PackagePath}", "--Cameras:0:Name=video", $"--Cameras:0:Source={video.Video.FilePath}", "--Cameras:0:Fps=20",
            "--Cameras:0:Tasks:0:Name=people", "--Cameras:0:Tasks:0:Task=detect", "--Cameras:0:Tasks:0:Labels:0=person", "--Cameras:0:Tasks:0:Trigger=motion",
            "--Cameras:0:Tasks:0:IntervalSeconds=0.05", "--Cameras:0:Tasks:0:MaxNewTokens=8",
        ]);
        RecordingAnalyzer? recorder = null;
        void RealModel(IServiceCollection services) =>
            services.AddSingleton<IFrameAnalyzer>(sp => recorder = new RecordingAnalyzer(ActivatorUtilities.CreateInstance<PaliGemmaFrameAnalyzer>(sp)));
        var first = new CollectingResultPublisher();
        var second = new CollectingResultPublisher();

        var run1 = await AgentRun.RunUntilAsync(arguments, () => first.Results.Count >= 3, Deadline, analyzer: null, first, RealModel);
        var analysed = recorder!.Analysed.ToList();
        var run2 = await AgentRun.RunUntilAsync(arguments, () => second.Results.Count >= 2, Deadline, analyzer: null, second, RealModel);

        Assert.True(run1.ExitCode == ExitCodes.Ok, run1.Errors);
        Assert.True(run2.ExitCode == ExitCodes.Ok, run2.Errors);
        Assert.True(first.Results.Count >= 3, $"{first.Results.Count} results");
        // As in the scheduler tests: a looped file's first still frame after the last is a real scene change.
        Assert.All(analysed, a => Assert.True(a.Moving || a.Number % TestVideo.FrameCount == 1, $"frame {a.Number} from a still segment was analysed"));
        Assert.All(first.Results.Concat(second.Results), r =>
        {
            Assert.Equal("demo-tiny/int8", r.Model);
            Assert.Equal("detect person", r.Result.Task.Prefix);
            Assert.Equal((TestVideo.Width, TestVideo.Height), (r.FrameWidth, r.FrameHeight));
            Assert.InRange(r.Result.Timings.GeneratedTokens, 1, 8);
        });
        var seqs = first.Results.Concat(second.Results).Select(r => r.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task CaptionAndDetect_OnTheTinyModel_EncodeEachFrameOnce()
    {
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.Remove($"--Model:Path={_state.Path}");
        arguments.AddRange([
            $"--Model:Path={model.PackagePath}", "--Cameras:0:Name=video", $"--Cameras:0:Source={video.Video.FilePath}", "--Cameras:0:Fps=20",
            "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.05", "--Cameras:0:Tasks:0:MaxNewTokens=6",
            "--Cameras:0:Tasks:1:Task=detect", "--Cameras:0:Tasks:1:Labels:0=person", "--Cameras:0:Tasks:1:IntervalSeconds=0.05", "--Cameras:0:Tasks:1:MaxNewTokens=12",
        ]);
        PaliGemmaFrameAnalyzer? engine = null;
        RecordingAnalyzer? recorder = null;
        void RealModel(IServiceCollection services) =>
            services.AddSingleton<IFrameAnalyzer>(sp => recorder = new RecordingAnalyzer(engine = ActivatorUtilities.CreateInstance<PaliGemmaFrameAnalyzer>(sp)));
        var publisher = new CollectingResultPublisher();

        var run = await AgentRun.RunUntilAsync(arguments, () => publisher.Results.Count >= 6, Deadline, analyzer: null, publisher, RealModel);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Errors);
        var results = publisher.Results.ToList();
        var frames = recorder!.Analysed.Select(a => a.Number).Distinct().Count();
        // The engine's own count of vision-encoder runs: one per frame, not one per task.
        Assert.Equal(recorder.Analysed.Count, frames);
        Assert.Equal(frames, engine!.VisionEncodes);
        Assert.True(results.Count >= 2 * (frames - 1), $"{results.Count} results from {frames} encoded frames");
        Assert.All(results.GroupBy(r => r.FrameTimestamp).SkipLast(1), g => Assert.Equal(["caption", "detect"], g.Select(r => r.TaskName)));
        // The detect task is constrained by default: its answers always parse, into "person" objects only.
        Assert.All(results.Where(r => r.TaskName == "detect"), r =>
        {
            Assert.DoesNotContain("malformed", r.Result.Note ?? "", StringComparison.Ordinal);
            Assert.All(r.Result.Objects, o => Assert.Equal("person", o.Label));
        });
        Assert.Contains(results, r => r.Result.Objects.Count > 0);
    }
}
