using EdgePali.Vision.Packages;
using Microsoft.ML.OnnxRuntime;

namespace EdgePali.Vision.Inference;

/// <summary>
/// The mutable state of a generation (ORT GenAI's State): input ids, embeddings, positions, KV cache and
/// the latest logits. Runs the embedding and decoder graphs: <see cref="Prefill"/> for the whole prompt
/// (image features placed at the &lt;image&gt; positions, no causal mask: PaliGemma's prefix-LM), then
/// <see cref="Step"/> per generated token. Positions are 1-indexed as in HF and transformers.js.
/// One generation at a time; the buffers are kept between generations so steady-state decoding allocates
/// no managed tensors (the decode step's id, position and embedding are pinned once).
/// </summary>
internal sealed class GenerationState : IDisposable
{
    private static readonly string[] EmbedInputNames = [GraphTensorNames.InputIds];
    private static readonly string[] EmbedOutputNames = [GraphTensorNames.InputsEmbeds];

    private readonly PaliGemmaModel _model;
    private readonly KvCache _cache;
    private readonly RunOptions _runOptions = new();
    private readonly int _hidden;
    private readonly string[] _decoderInputNames;
    private readonly string[] _decoderOutputNames;
    private readonly OrtValue[] _decoderInputs;
    private readonly OrtValue[] _embedInput = new OrtValue[1];
    private readonly OrtValue[] _embedOutput = new OrtValue[1];

    // Decode step: one token, pinned once.
    private readonly long[] _stepId = new long[1];
    private readonly long[] _stepPosition = new long[1];
    private readonly float[] _stepEmbedding;
    private readonly OrtValue _stepIdValue;
    private readonly OrtValue _stepPositionValue;
    private readonly OrtValue _stepEmbeddingValue;

    // Prompt buffers, grown when a longer prompt comes.
    private long[] _promptIds = new long[512];
    private long[] _promptPositions = new long[512];
    private float[] _promptEmbeddings = [];

    private OrtValue? _logits;
    private int _vocab;

    public GenerationState(PaliGemmaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _hidden = model.Config.Text.HiddenSize;
        _cache = new KvCache(model.Config.Text);
        _decoderInputNames = [GraphTensorNames.InputsEmbeds, GraphTensorNames.PositionIds, .. _cache.InputNames];
        _decoderOutputNames = [GraphTensorNames.Logits, .. _cache.OutputNames];
        _decoderInputs = new OrtValue[_decoderInputNames.Length];
        _stepEmbedding = new float[_hidden];
        _stepIdValue = OrtValue.CreateTensorValueFromMemory(_stepId, [1, 1]);
        _stepPositionValue = OrtValue.CreateTensorValueFromMemory(_stepPosition, [1, 1]);
        _stepEmbeddingValue = OrtValue.CreateTensorValueFromMemory(_stepEmbedding, [1, 1, _hidden]);
    }

    /// <summary>Tokens in the sequence so far (prompt plus fed-back generated tokens).</summary>
    public int Length => _cache.Length;

    /// <summary>Asks a graph run in progress to stop (ORT checks the flag between nodes); the run then throws.</summary>
    public void TerminateRun() => _runOptions.Terminate = true;

    /// <summary>
    /// Runs the prompt: embeds <paramref name="promptIds"/>, overwrites the rows of &lt;image&gt; tokens with
    /// <paramref name="image"/>'s features in order, and runs the decoder over all of it from an empty cache.
    /// Returns the logits of the last position (valid until the next call; writable, so logits processing masks in place).
    /// </summary>
    public Span<float> Prefill(ReadOnlySpan<int> promptIds, ImageFeatures image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var t = promptIds.Length;
        if (t == 0)
        {
            throw new ArgumentException("The prompt is empty.", nameof(promptIds));
        }

        if (image.Width != _hidden)
        {
            throw new ArgumentException($"Image features are {image.Width} wide but the decoder's hidden size is {_hidden}.", nameof(image));
        }

        EnsurePromptCapacity(t);
        var imageRows = 0;
        for (var i = 0; i < t; i++)
        {
            _promptIds[i] = promptIds[i];
            _promptPositions[i] = i + 1;
            imageRows += promptIds[i] == _model.Config.ImageTokenId ? 1 : 0;
        }

        if (imageRows != image.TokenCount)
        {
            throw new ArgumentException($"The prompt has {imageRows} <image> tokens but the image has {image.TokenCount} feature rows.", nameof(promptIds));
        }

        _cache.Reset();
        _runOptions.Terminate = false;
        using var ids = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _promptIds.AsMemory(0, t), [1, t]);
        using var positions = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _promptPositions.AsMemory(0, t), [1, t]);
        using var embeddings = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _promptEmbeddings.AsMemory(0, t * _hidden), [1, t, _hidden]);
        Embed(ids, embeddings);

        var rows = _promptEmbeddings.AsSpan(0, t * _hidden);
        for (int i = 0, k = 0; i < t; i++)
        {
            if (promptIds[i] == _model.Config.ImageTokenId)
            {
                image.Row(k++).CopyTo(rows.Slice(i * _hidden, _hidden));
            }
        }

        return Decode(embeddings, positions, t);
    }

    /// <summary>Feeds one generated token back and returns the logits for the next one (valid until the next call).</summary>
    public Span<float> Step(int tokenId)
    {
        if (_cache.Length == 0)
        {
            throw new InvalidOperationException("Step before Prefill.");
        }

        _stepId[0] = tokenId;
        _stepPosition[0] = _cache.Length + 1;
        Embed(_stepIdValue, _stepEmbeddingValue);
        return Decode(_stepEmbeddingValue, _stepPositionValue, 1);
    }

    public void Dispose()
    {
        _logits?.Dispose();
        _cache.Dispose();
        _stepIdValue.Dispose();
        _stepPositionValue.Dispose();
        _stepEmbeddingValue.Dispose();
        _runOptions.Dispose();
    }

    private void Embed(OrtValue ids, OrtValue embeddings)
    {
        _embedInput[0] = ids;
        _embedOutput[0] = embeddings;
        _model.EmbedTokens.Session.Run(_runOptions, EmbedInputNames, _embedInput, EmbedOutputNames, _embedOutput);
    }

    private Span<float> Decode(OrtValue embeddings, OrtValue positions, int tokens)
    {
        _decoderInputs[0] = embeddings;
        _decoderInputs[1] = positions;
        _cache.Past.CopyTo(_decoderInputs.AsSpan(2));

        _logits?.Dispose();
        _logits = null;
        var outputs = _model.Decoder.Session.Run(_runOptions, _decoderInputNames, _decoderInputs, _decoderOutputNames);

        // The outputs are not disposed as a collection: the present tensors now belong to the cache.
        _logits = outputs[0];
        _cache.Update(outputs, 1, tokens);
        if (_vocab == 0)
        {
            _vocab = (int)_logits.GetTensorTypeAndShape().Shape[^1];
        }

        // The last row: logits are [1, T, V] (transformers.js exports) or [1, 1, V] (last-position packages).
        return _logits.GetTensorMutableDataAsSpan<float>()[^_vocab..];
    }

    private void EnsurePromptCapacity(int tokens)
    {
        if (_promptIds.Length < tokens)
        {
            var size = Math.Max(tokens, _promptIds.Length * 2);
            _promptIds = new long[size];
            _promptPositions = new long[size];
        }

        if (_promptEmbeddings.Length < tokens * _hidden)
        {
            _promptEmbeddings = new float[_promptIds.Length * _hidden];
        }
    }
}
