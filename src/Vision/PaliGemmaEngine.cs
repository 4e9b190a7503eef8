using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgePali.Vision.Imaging;
using EdgePali.Vision.Inference;
using EdgePali.Vision.Packages;
using EdgePali.Vision.Tasks;
using EdgePali.Vision.Tokenization;
using Microsoft.Extensions.Logging;

namespace EdgePali.Vision;

/// <summary>
/// PaliGemma on ONNX Runtime: frame + task in, typed result out. One instance is shared by all callers;
/// calls are serialised (the model's buffers and KV cache are reused between calls) and can be cancelled
/// between tokens. Load with <see cref="LoadAsync"/>; the package is validated before the engine exists.
/// </summary>
public sealed class PaliGemmaEngine : IAsyncDisposable
{
    /// <summary>Label lists whose constrained-decoding grammar is kept (the worker's tasks ask the same few again and again).</summary>
    private const int MaxCachedGrammars = 32;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILogger _logger;
    private readonly PaliGemmaModel _model;
    private readonly GemmaTokenizer _tokenizer;
    private readonly ImagePreprocessor _preprocessor;
    private readonly VisionEncoderStage _vision;
    private readonly GenerationState _state;
    private readonly Generator _generator;
    private readonly GreedySearch _search;
    private readonly DetectionConstraint _constraint = new();
    private readonly Dictionary<(string Labels, bool Segment), DetectionGrammar> _grammars = [];
    private readonly ImageFeatures _frameFeatures;
    private readonly MaskDecoder? _maskDecoder;
    private readonly List<int> _promptIds = new(1024);
    private readonly int _maxNewTokensLimit;
    private bool _disposed;

    private PaliGemmaEngine(PaliGemmaModel model, GemmaTokenizer tokenizer, MaskDecoder? maskDecoder, int maxNewTokensLimit, bool suppressEos, ILogger logger)
    {
        _model = model;
        _maskDecoder = maskDecoder;
        _tokenizer = tokenizer;
        _logger = logger;
        _maxNewTokensLimit = maxNewTokensLimit;
        var config = model.Config;
        _preprocessor = new ImagePreprocessor(
            config.Preprocessor.Size,
            ImageNormalization.Create(config.Preprocessor.RescaleFactor, config.Preprocessor.ImageMean, config.Preprocessor.ImageStd));
        _vision = new VisionEncoderStage(model);
        _state = new GenerationState(model);
        _search = new GreedySearch(config.EosTokenIds, suppressEos);
        _generator = new Generator(_state, _search);
        _frameFeatures = _vision.CreateFeatures();
    }

    /// <summary>The package being served (folder, variant, configuration, optional VAE decoder path).</summary>
    public ModelPackage Package => _model.Package;

    /// <summary>The loaded package's configuration (image size, token ids, decoder shape).</summary>
    public PaliGemmaConfig Config => _model.Config;

    /// <summary>Vision encoder runs since loading: one per AnalyzeAsync(frame) or EncodeImageAsync call, none for AnalyzeAsync(features).</summary>
    public long VisionEncodes => _vision.Runs;

    /// <summary>The tokenizer, e.g. to decode ids for display.</summary>
    public ITokenDecoder Tokenizer => _tokenizer;

    /// <summary>Providers each part runs on, in priority order (CPU last).</summary>
    public IReadOnlyDictionary<ModelPart, IReadOnlyList<string>> Providers => new Dictionary<ModelPart, IReadOnlyList<string>>
    {
        [ModelPart.VisionEncoder] = _model.VisionEncoder.Providers,
        [ModelPart.EmbedTokens] = _model.EmbedTokens.Providers,
        [ModelPart.Decoder] = _model.Decoder.Providers,
    };

    /// <summary>
    /// Opens and validates the package (files, checksums, every graph's inputs and outputs against config.json),
    /// creates the sessions on the configured providers and loads the tokenizer.
    /// </summary>
    /// <exception cref="ModelPackageException">The package is missing files, corrupt, or inconsistent.</exception>
    /// <exception cref="ExecutionProviderException">No allowed provider can run a part.</exception>
    public static async Task<PaliGemmaEngine> LoadAsync(EngineOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var start = Stopwatch.GetTimestamp();
        var package = ModelPackage.Open(options.ModelDirectory, options.Variant);
        if (options.VerifyChecksums)
        {
            await package.VerifyChecksumsAsync(cancellationToken).ConfigureAwait(false);
        }

        var tokenizer = LoadTokenizer(package);
        var factory = new SessionFactory(options.ExecutionProviders, logger);
        var model = await Task.Run(() => PaliGemmaModel.Load(package, factory, logger, cancellationToken), cancellationToken).ConfigureAwait(false);
        MaskDecoder? maskDecoder = null;
        try
        {
            // Segmentation masks need the package's VQ-VAE decoder; without it segment answers keep boxes and codes.
            maskDecoder = package.VaeDecoderPath is { } vae ? MaskDecoder.Open(vae) : null;
            var engine = new PaliGemmaEngine(model, tokenizer, maskDecoder, options.MaxNewTokensLimit, options.SuppressEos, logger);
            logger.LogInformation("PaliGemma engine loaded in {ElapsedMs:F0} ms", Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            return engine;
        }
        catch
        {
            maskDecoder?.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <summary>New features sized for this model, to pass to <see cref="EncodeImageAsync"/> again and again.</summary>
    public ImageFeatures CreateImageFeatures() => _vision.CreateFeatures();

    /// <summary>
    /// Runs only the vision encoder on <paramref name="frame"/> (any size and pixel format). Fills <paramref name="reuse"/> when
    /// given (no allocation), else a new <see cref="ImageFeatures"/>. Use the result for a feature-similarity
    /// gate and, if the frame is worth it, <see cref="AnalyzeAsync(ImageFeatures, VisionTask, int?, CancellationToken)"/>.
    /// </summary>
    public async Task<ImageFeatures> EncodeImageAsync(ImageFrame frame, ImageFeatures? reuse = null, CancellationToken cancellationToken = default)
    {
        frame.ThrowIfEmpty(nameof(frame));
        var features = reuse ?? CreateImageFeatures();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await Task.Run(() => Encode(frame, features), cancellationToken).ConfigureAwait(false);
            return features;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Analyses one frame (any size and pixel format): preprocess, vision encoder, prompt, greedy generation, parsing.</summary>
    /// <param name="frame">The image; it is resized and normalised, never kept.</param>
    /// <param name="task">What to ask; its prefix becomes the prompt and its kind decides how the answer is parsed.</param>
    /// <param name="maxNewTokens">Token limit for this call; null uses the task's default. Capped by EngineOptions.MaxNewTokensLimit.</param>
    /// <param name="cancellationToken">Stops waiting for the engine, and generation between decoder steps.</param>
    public async Task<AnalysisResult> AnalyzeAsync(ImageFrame frame, VisionTask task, int? maxNewTokens = null, CancellationToken cancellationToken = default)
    {
        frame.ThrowIfEmpty(nameof(frame));
        ArgumentNullException.ThrowIfNull(task);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await Task.Run(
                () =>
                {
                    Encode(frame, _frameFeatures);
                    return Generate(_frameFeatures, task, maxNewTokens, onToken: null, cancellationToken);
                },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Analyses an image encoded earlier by <see cref="EncodeImageAsync"/>: runs only the language model.</summary>
    public Task<AnalysisResult> AnalyzeAsync(ImageFeatures features, VisionTask task, int? maxNewTokens = null, CancellationToken cancellationToken = default) =>
        AnalyzeAsync(features, task, maxNewTokens, onToken: null, cancellationToken);

    /// <summary>
    /// As <see cref="AnalyzeAsync(ImageFeatures, VisionTask, int?, CancellationToken)"/>, handing each generated token to
    /// <paramref name="onToken"/> the moment it is picked (on the generation thread, before the next decoder step), so an
    /// answer can be streamed while it is generated. The result is the same as without the callback.
    /// </summary>
    public async Task<AnalysisResult> AnalyzeAsync(ImageFeatures features, VisionTask task, int? maxNewTokens, Action<GeneratedToken>? onToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(task);
        if (features.FrameWidth <= 0)
        {
            throw new ArgumentException("These features were not produced by EncodeImageAsync (no source frame size).", nameof(features));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await Task.Run(() => Generate(features, task, maxNewTokens, onToken, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // Wait for the call in flight so native buffers are not freed under it.
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _state.Dispose();
            _vision.Dispose();
            _maskDecoder?.Dispose();
            _model.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The prompt ids a task is run with (tests compare them with the reference processor's).</summary>
    internal int[] TokenizePrompt(VisionTask task)
    {
        _gate.Wait();
        try
        {
            BuildPrompt(task.Prefix);
            return [.. _promptIds];
        }
        finally
        {
            _gate.Release();
        }
    }

    private static GemmaTokenizer LoadTokenizer(ModelPackage package)
    {
        try
        {
            return GemmaTokenizer.FromDirectory(package.Directory);
        }
        catch (TokenizerLoadException ex)
        {
            throw new ModelPackageException(ex.Message, ex);
        }
    }

    private void Encode(ImageFrame frame, ImageFeatures features)
    {
        var start = Stopwatch.GetTimestamp();
        _preprocessor.Preprocess(frame, _vision.PixelValues);
        var preprocessed = Stopwatch.GetTimestamp();
        _vision.Encode(features);
        features.SetSource(frame.Width, frame.Height, Stopwatch.GetElapsedTime(start, preprocessed).TotalMilliseconds, Stopwatch.GetElapsedTime(preprocessed).TotalMilliseconds);
    }

    private AnalysisResult Generate(ImageFeatures features, VisionTask task, int? maxNewTokens, Action<GeneratedToken>? onToken, CancellationToken cancellationToken)
    {
        var limit = Math.Clamp(maxNewTokens ?? task.DefaultMaxNewTokens, 1, _maxNewTokensLimit);
        BuildPrompt(task.Prefix);
        var generated = _generator.Run(features, CollectionsMarshal.AsSpan(_promptIds), limit, StartConstraint(task), onToken, cancellationToken);

        var ids = new int[generated.Tokens.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = generated.Tokens[i].Id;
        }

        var text = _tokenizer.Decode(ids);
        var output = TaskOutputParser.Parse(task, generated.Tokens, _tokenizer, _maskDecoder, features.FrameWidth, features.FrameHeight);
        var objects = output.Objects;
        var note = generated.StoppedAtEos
            ? output.Note
            : string.Join(TaskOutputParser.NoteSeparator, new[] { $"answer cut at the token limit ({generated.Tokens.Count} tokens)", output.Note }.OfType<string>());
        var timings = new StageTimings(features.PreprocessMs, features.VisionMs, generated.PrefillMs, generated.DecodeMs, generated.PromptTokens, ids.Length);
        _logger.LogDebug(
            "{Task} -> {Tokens} tokens, {Objects} objects; preprocess {PreMs:F1} ms, vision {VisionMs:F1} ms, prefill {PrefillMs:F1} ms, decode {DecodeMs:F1} ms/token",
            task.Kind, ids.Length, objects.Count, timings.PreprocessMs, timings.VisionMs, timings.PrefillMs, timings.DecodeMsPerToken);
        return new AnalysisResult(task, text, ids, objects, timings, note);
    }

    /// <summary>The started constraint for a constrained detect or segment task; null for free generation.</summary>
    private DetectionConstraint? StartConstraint(VisionTask task)
    {
        var (labels, segment) = task switch
        {
            DetectTask { Constrained: true } d => (d.Labels, false),
            SegmentTask { Constrained: true } s => (s.Labels, true),
            _ => (null, false),
        };
        if (labels is null)
            return null;

        // Grammars are built once per label list (tokenising the labels); the scheduler asks the same few again and
        // again, while questions may bring any, so the cache is bounded.
        var key = (string.Join('\n', labels), segment);
        if (!_grammars.TryGetValue(key, out var grammar))
        {
            if (_grammars.Count >= MaxCachedGrammars)
                _grammars.Clear();
            grammar = DetectionGrammar.Build(labels, segment, _tokenizer);
            _grammars[key] = grammar;
        }

        _constraint.Start(grammar, _search.EosIds, _search.AllowsEos);
        return _constraint;
    }

    private void BuildPrompt(string prefix)
    {
        // "<image>" * N + "<bos>" + prefix + "\n" (HF/transformers.js PaliGemmaProcessor). Added tokens are split
        // before BPE, so tokenising the text part alone gives the same ids as tokenising the whole string.
        _promptIds.Clear();
        for (var i = 0; i < Config.ImageTokenCount; i++)
        {
            _promptIds.Add(Config.ImageTokenId);
        }

        _promptIds.Add(Config.BosTokenId);
        _tokenizer.Encode(prefix, _promptIds);
        _tokenizer.Encode("\n", _promptIds);
    }
}
