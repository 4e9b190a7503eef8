using EdgePali.Agent.Pipeline;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Scheduling;

/// <summary>
/// The Infer stage's view of the model: one shared instance, called by one scheduler thread at a time.
/// The worker's adapter over PaliGemmaEngine implements it; keeping the scheduler on this small interface
/// lets it be tested with a deliberately slow analyser and keeps frame types out of the engine.
/// The vision encoder and the language model are separate calls so that several tasks due on one frame share
/// one encode: <see cref="EncodeImageAsync"/> once, then <see cref="AnalyzeEncodedAsync"/> per task.
/// </summary>
public interface IFrameAnalyzer : IAsyncDisposable
{
    /// <summary>The model package's name and variant for results, e.g. "demo-tiny/int8".</summary>
    string ModelName { get; }

    /// <summary>Loads and checks the model; throws with a message saying what is wrong with the package.</summary>
    Task LoadAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="task"/> on the frame (vision encoder and language model).</summary>
    ValueTask<AnalysisResult> AnalyzeAsync(FrameBuffer frame, VisionTask task, int maxNewTokens, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="AnalyzeAsync"/>, handing the answer's text to <paramref name="onText"/> piece by piece as the model
    /// generates it (the pieces add up to the result's text), for streamed answers (HTTP `stream: true`). An analyser
    /// that cannot stream hands the whole text once, at the end.
    /// </summary>
    async ValueTask<AnalysisResult> AnalyzeStreamingAsync(FrameBuffer frame, VisionTask task, int maxNewTokens, Action<string> onText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onText);
        var result = await AnalyzeAsync(frame, task, maxNewTokens, cancellationToken).ConfigureAwait(false);
        onText(result.Text);
        return result;
    }

    /// <summary>
    /// Runs only the vision encoder; the frame becomes the image <see cref="AnalyzeEncodedAsync"/> works on. Returns
    /// its image features (flattened), e.g. for the feature-similarity gate. The memory is the analyser's own, reused:
    /// valid until the next encode (copy what must be kept).
    /// </summary>
    ValueTask<ReadOnlyMemory<float>> EncodeImageAsync(FrameBuffer frame, CancellationToken cancellationToken);

    /// <summary>Runs only the language model, on the image of the last <see cref="EncodeImageAsync"/>.</summary>
    ValueTask<AnalysisResult> AnalyzeEncodedAsync(VisionTask task, int maxNewTokens, CancellationToken cancellationToken);
}
