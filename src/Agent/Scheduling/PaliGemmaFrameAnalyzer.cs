using EdgePali.Agent.Capture;
using EdgePali.Agent.Options;
using EdgePali.Vision;
using EdgePali.Vision.Inference;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Scheduling;

/// <summary>
/// The worker's model: PaliGemmaEngine over the Model settings. Frames are handed to the engine as image views
/// of the frame buffer (no copy, no allocation, no OpenCV). When the feature-similarity gate has just encoded a
/// frame, the analysis of that same frame reuses those image features instead of running the vision encoder again.
/// </summary>
internal sealed class PaliGemmaFrameAnalyzer(IOptions<ModelOptions> options, ILogger<PaliGemmaFrameAnalyzer> logger) : IFrameAnalyzer
{
    private PaliGemmaEngine? _engine;
    private ImageFeatures? _features;
    private float[] _featureValues = [];
    private (long Number, DateTimeOffset Timestamp)? _encodedFrame;

    public string ModelName { get; private set; } = "";

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
        var engine = _engine ?? throw new InvalidOperationException("The model is not loaded.");
        if (_features is not null && _encodedFrame == (frame.Number, frame.Timestamp))
            return await engine.AnalyzeAsync(_features, task, maxNewTokens, cancellationToken).ConfigureAwait(false);
        return await engine.AnalyzeAsync(frame.AsImage(), task, maxNewTokens, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ReadOnlyMemory<float>> EncodeImageAsync(FrameBuffer frame, CancellationToken cancellationToken)
    {
        var engine = _engine ?? throw new InvalidOperationException("The model is not loaded.");
        _encodedFrame = null;
        _features = await engine.EncodeImageAsync(frame.AsImage(), _features, cancellationToken).ConfigureAwait(false);
        _encodedFrame = (frame.Number, frame.Timestamp);
        // Copied into one reused array: the gate runs before every analysis and should not allocate.
        var values = _features.Values;
        if (_featureValues.Length != values.Length)
            _featureValues = new float[values.Length];
        values.CopyTo(_featureValues);
        return _featureValues;
    }

    public async ValueTask DisposeAsync()
    {
        if (_engine is not null)
            await _engine.DisposeAsync().ConfigureAwait(false);
    }
}
