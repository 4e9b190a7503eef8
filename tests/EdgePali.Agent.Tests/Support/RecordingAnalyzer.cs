using System.Collections.Concurrent;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Scheduling;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Tests.Support;

/// <summary>Passes every call to the real model and records which frame each encode or analysis got (its number and segment of the test video).</summary>
internal sealed class RecordingAnalyzer(IFrameAnalyzer model) : IFrameAnalyzer
{
    public ConcurrentQueue<(long Number, bool Moving)> Analysed { get; } = new();

    public string ModelName => model.ModelName;

    public Task LoadAsync(CancellationToken cancellationToken) => model.LoadAsync(cancellationToken);

    public ValueTask<AnalysisResult> AnalyzeAsync(FrameBuffer frame, VisionTask task, int maxNewTokens, CancellationToken cancellationToken)
    {
        Analysed.Enqueue((frame.Number, TestVideo.IsMovingFrame(frame.Pixels, frame.Width)));
        return model.AnalyzeAsync(frame, task, maxNewTokens, cancellationToken);
    }

    public ValueTask<ReadOnlyMemory<float>> EncodeImageAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        Analysed.Enqueue((frame.Number, TestVideo.IsMovingFrame(frame.Pixels, frame.Width)));
        return model.EncodeImageAsync(frame, cancellationToken);
    }

    public ValueTask<AnalysisResult> AnalyzeEncodedAsync(VisionTask task, int maxNewTokens, CancellationToken cancellationToken) =>
        model.AnalyzeEncodedAsync(task, maxNewTokens, cancellationToken);

    public ValueTask DisposeAsync() => model.DisposeAsync();
}
