using System.Collections.Concurrent;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Scheduling;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Tests.Support;

/// <summary>
/// A test analyser standing in for a model that errors on every frame (as the engine did when a native library
/// it needed was missing): each call throws, and the time of each failure is recorded. The scheduler's tasks fail
/// at the vision encode, questions at the analysis.
/// </summary>
public sealed class FailingTestAnalyzer : IFrameAnalyzer
{
    public ConcurrentQueue<DateTimeOffset> Failures { get; } = new();

    public string ModelName => "failing-test/int8";

    public Task LoadAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask<AnalysisResult> AnalyzeAsync(FrameBuffer frame, VisionTask task, int maxNewTokens, CancellationToken cancellationToken) =>
        throw Fail();

    public ValueTask<ReadOnlyMemory<float>> EncodeImageAsync(FrameBuffer frame, CancellationToken cancellationToken) =>
        throw Fail();

    public ValueTask<AnalysisResult> AnalyzeEncodedAsync(VisionTask task, int maxNewTokens, CancellationToken cancellationToken) =>
        throw Fail();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private InvalidOperationException Fail()
    {
        Failures.Enqueue(DateTimeOffset.UtcNow);
        return new InvalidOperationException("the model's runtime is broken");
    }
}
