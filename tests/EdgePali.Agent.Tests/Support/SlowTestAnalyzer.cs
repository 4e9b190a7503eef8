using System.Collections.Concurrent;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Scheduling;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Tests.Support;

/// <summary>
/// A test analyser standing in for the model in scheduler tests: takes <paramref name="delay"/> per
/// language-model run (a slow model), records what frame each run was given and when, and answers with the frame's
/// number. Counts vision encodes separately: tasks sharing a frame share one.
/// </summary>
public sealed class SlowTestAnalyzer(TimeSpan delay, Func<FrameBuffer, float[]>? features = null) : IFrameAnalyzer
{
    public ConcurrentQueue<AnalysedFrame> Analysed { get; } = new();

    private int _encoded;
    private (long Number, DateTimeOffset Timestamp, bool Moving) _image;

    /// <summary>How many times the vision encoder ran.</summary>
    public int Encoded => Volatile.Read(ref _encoded);

    public string ModelName => "slow-test/int8";

    public Task LoadAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask<AnalysisResult> AnalyzeAsync(FrameBuffer frame, VisionTask task, int maxNewTokens, CancellationToken cancellationToken)
    {
        await EncodeImageAsync(frame, cancellationToken);
        return await AnalyzeEncodedAsync(task, maxNewTokens, cancellationToken);
    }

    public ValueTask<ReadOnlyMemory<float>> EncodeImageAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _encoded);
        _image = (frame.Number, frame.Timestamp, TestVideo.IsMovingFrame(frame.Pixels, frame.Width));
        return ValueTask.FromResult<ReadOnlyMemory<float>>(features?.Invoke(frame) ?? [1f, 0f]);
    }

    public async ValueTask<AnalysisResult> AnalyzeEncodedAsync(VisionTask task, int maxNewTokens, CancellationToken cancellationToken)
    {
        var (number, timestamp, moving) = _image;
        Analysed.Enqueue(new AnalysedFrame(number, timestamp, DateTimeOffset.UtcNow, moving, task.Kind));
        await Task.Delay(delay, cancellationToken);
        var objects = task is DetectTask detect
            ? new[] { new DetectedObject(detect.Labels[0], 0.9f, new BoxF(1, 2, 30, 40), new BoxF(0.01f, 0.02f, 0.3f, 0.4f)) }
            : [];
        return new AnalysisResult(task, $"frame {number}", [], objects, new StageTimings(1, 2, 3, delay.TotalMilliseconds, 10, 1));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>What the analyser saw: the frame's number and capture time, when the analysis started, its segment.</summary>
public sealed record AnalysedFrame(long Number, DateTimeOffset Captured, DateTimeOffset Started, bool Moving, string Kind)
{
    public TimeSpan AgeAtStart => Started - Captured;
}
