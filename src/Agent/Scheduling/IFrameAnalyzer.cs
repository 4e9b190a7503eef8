using EdgePali.Agent.Capture;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Scheduling;

/// <summary>
/// The Infer stage's view of the model: one shared instance, called by one scheduler thread at a time.
/// The worker's adapter over PaliGemmaEngine implements it; keeping the scheduler on this small interface
/// lets it be tested with a deliberately slow analyser and keeps frame types out of the engine.
/// </summary>
public interface IFrameAnalyzer : IAsyncDisposable
{
    /// <summary>The model package's name and variant for results, e.g. "demo-tiny/int8".</summary>
    string ModelName { get; }

    /// <summary>Loads and checks the model; throws with a message saying what is wrong with the package.</summary>
    Task LoadAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="task"/> on the frame.</summary>
    ValueTask<AnalysisResult> AnalyzeAsync(FrameBuffer frame, VisionTask task, int maxNewTokens, CancellationToken cancellationToken);

    /// <summary>
    /// Runs only the vision encoder and returns the image features (flattened), for the feature-similarity gate.
    /// The memory is the analyser's own, reused: valid until the next call (copy what must be kept).
    /// </summary>
    ValueTask<ReadOnlyMemory<float>> EncodeImageAsync(FrameBuffer frame, CancellationToken cancellationToken);
}
