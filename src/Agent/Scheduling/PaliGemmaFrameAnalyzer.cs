using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Vision;
using EdgePali.Vision.Inference;
using EdgePali.Vision.Tasks;
using EdgePali.Vision.Tokenization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Scheduling;

/// <summary>
/// The worker's model: PaliGemmaEngine over the Model settings. Frames are handed to the engine as image views
/// of the frame buffer (no copy, no allocation, no OpenCV). Encoded images go into one reused
/// <see cref="ImageFeatures"/>, which the language-model calls of every task due on that frame then share.
/// </summary>
internal sealed class PaliGemmaFrameAnalyzer(IOptions<ModelOptions> options, ILogger<PaliGemmaFrameAnalyzer> logger) : IFrameAnalyzer
{
    private PaliGemmaEngine? _engine;
    private ImageFeatures? _features;

    public string ModelName { get; private set; } = "";

    /// <summary>Vision encoder runs so far (tests count them: tasks on one frame share one).</summary>
    public long VisionEncodes => _engine?.VisionEncodes ?? 0;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var model = options.Value;
        // Model:Threads is the shorthand for Tuning:IntraOpThreads (the validator refuses the two disagreeing).
        if (model.Threads > 0)
            model.ExecutionProviders.Tuning.IntraOpThreads = model.Threads;
        var engineOptions = new EngineOptions
        {
            ModelDirectory = model.ResolvePath() ?? model.Path,
            Variant = model.Variant,
            ExecutionProviders = model.ExecutionProviders,
        };
        _engine = await PaliGemmaEngine.LoadAsync(engineOptions, logger, cancellationToken).ConfigureAwait(false);
        ModelName = $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(_engine.Package.Directory))}/{_engine.Package.Variant.Name}";
    }

    public async ValueTask<AnalysisResult> AnalyzeAsync(FrameBuffer frame, VisionTask task, int maxNewTokens, CancellationToken cancellationToken)
    {
        await EncodeImageAsync(frame, cancellationToken).ConfigureAwait(false);
        return await AnalyzeEncodedAsync(task, maxNewTokens, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<AnalysisResult> AnalyzeStreamingAsync(FrameBuffer frame, VisionTask task, int maxNewTokens, Action<string> onText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onText);
        await EncodeImageAsync(frame, cancellationToken).ConfigureAwait(false);
        var text = new IncrementalTextDecoder(Engine.Tokenizer);
        var result = await Engine.AnalyzeAsync(_features!, task, maxNewTokens, token =>
        {
            var piece = text.Push(token.Id);
            if (piece.Length > 0)
                onText(piece);
        }, cancellationToken).ConfigureAwait(false);
        var rest = text.Finish();
        if (rest.Length > 0)
            onText(rest);
        return result;
    }

    public async ValueTask<ReadOnlyMemory<float>> EncodeImageAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        var engine = Engine;
        _features = await engine.EncodeImageAsync(frame.AsImage(), _features, cancellationToken).ConfigureAwait(false);
        return _features.AsMemory();
    }

    public async ValueTask<AnalysisResult> AnalyzeEncodedAsync(VisionTask task, int maxNewTokens, CancellationToken cancellationToken)
    {
        var features = _features ?? throw new InvalidOperationException("No image encoded yet: call EncodeImageAsync first.");
        return await Engine.AnalyzeAsync(features, task, maxNewTokens, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_engine is not null)
            await _engine.DisposeAsync().ConfigureAwait(false);
    }

    private PaliGemmaEngine Engine => _engine ?? throw new InvalidOperationException("The model is not loaded.");
}
