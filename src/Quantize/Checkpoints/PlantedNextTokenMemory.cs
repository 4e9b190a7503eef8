using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Checkpoints;

/// <summary>
/// A next-token memory written into the last decoder layer's MLP of test checkpoints, so that a random-weight
/// model predicts the way a trained one does where quantisation tests look: confidently.
/// <para>
/// Purely random weights give nearly Gaussian logits over 257k ids: the winner leads the runner-up by about a
/// fifth of a standard deviation, so int8 noise flips many greedy choices, and the tied embedding makes the
/// residual stream's own token win, so greedy search repeats the prompt's last token ("\n") for ever. A trained
/// MLP instead acts as a key-value memory (Geva et al. 2021, "Transformer Feed-Forward Layers Are Key-Value
/// Memories"): a unit fires on an input pattern and writes the embedding of the token it predicts. Each of the
/// layer's <c>intermediate_size</c> units here gets a key (the embedding direction of token T[k], added to its
/// gate and up rows) and a value (the embedding of T[k+1], added to its down-projection column), the tokens
/// forming one random cycle. Fed a token of the cycle, the model names its successor with a wide margin; fed
/// anything else, the units fire in a context-dependent mix, so the first generated token depends on the image
/// and prompt and the rest follow the cycle: varied, deterministic output with peaked logits.
/// </para>
/// The planted terms are added before the outlier-channel gain, so outlier input channels stay outliers.
/// </summary>
internal sealed class PlantedNextTokenMemory
{
    /// <summary>Gate and up pre-activation of a unit fed its key token's (normalised) embedding.</summary>
    public const float KeyMatch = 48f;

    /// <summary>Down-projection value scale: each unit writes OutputGain / sqrt(intermediate) times its value token's unit-RMS embedding per unit of activation.</summary>
    public const float OutputGain = 4f;

    /// <summary>Gemma 2 normalises the MLP output (post_feedforward_layernorm); its weight here makes the memory outweigh the input embedding.</summary>
    public const float Gemma2PostNormGain = 24f;

    private readonly RandomWeights _embedding;
    private readonly int _hidden;
    private readonly int _intermediate;
    private readonly int[] _tokens;
    private readonly float[] _inverseRms;
    private readonly string _gate;
    private readonly string _up;
    private readonly string _down;
    private readonly string? _postNorm;
    private readonly int _cycleLength;
    private readonly float _newlineInverseRms;
    private readonly bool _planted;

    /// <summary>Units keyed on "\n" that start the answer; which one wins depends on the image and prompt.</summary>
    public const int EntryUnits = 4;

    /// <summary>An entry unit's pre-activation from "\n" itself.</summary>
    public const float EntryMatch = 40f;

    /// <summary>Scale of an entry unit's random (context) direction.</summary>
    public const float EntryContextMatch = 128f;

    private const int Newline = 108;

    /// <summary>First id the memory uses: above pad/eos/bos and the other control tokens.</summary>
    private const int FirstToken = 3;

    /// <summary>Last plain-text id (loc, seg and image tokens follow).</summary>
    private const int TextVocabulary = 256000;

    /// <param name="plantedAnswer">
    /// Tokens put at the start of the cycle, where every entry unit then leads (keyed on "\n" alone, without the
    /// context direction), so greedy answers are exactly these whatever the image and prompt (e.g. a well-formed detect answer ending in eos, for constrained-decoding tests);
    /// may use any id, location tokens included. Null for a cycle of random text tokens and varied answers.
    /// </param>
    public PlantedNextTokenMemory(PaliGemmaConfig config, ExpectedTensor embeddingTensor, int seed, IReadOnlyList<int>? plantedAnswer = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var t = config.Text;
        _hidden = t.HiddenSize;
        _intermediate = t.IntermediateSize;
        _embedding = new RandomWeights(embeddingTensor, seed);
        var last = t.LayerCount - 1;
        _gate = PaliGemmaTensorNames.TextLayer(last, "mlp.gate_proj.weight");
        _up = PaliGemmaTensorNames.TextLayer(last, "mlp.up_proj.weight");
        _down = PaliGemmaTensorNames.TextLayer(last, "mlp.down_proj.weight");
        _postNorm = t.IsGemma2 ? PaliGemmaTensorNames.TextLayer(last, "post_feedforward_layernorm.weight") : null;

        var rng = new Random(seed ^ 0x5EED);
        _planted = plantedAnswer is { Count: > 0 };
        var chosen = new HashSet<int> { Newline };
        var cycle = new List<int>(_intermediate);
        foreach (var id in plantedAnswer ?? [])
        {
            if (!chosen.Add(id))
                throw new ArgumentException($"The planted answer uses token {id} twice (or \"\\n\"); each token can have only one successor.", nameof(plantedAnswer));
            cycle.Add(id);
        }

        while (cycle.Count < _intermediate)
        {
            var id = rng.Next(FirstToken, TextVocabulary);
            if (chosen.Add(id))
                cycle.Add(id);
        }

        _tokens = [.. cycle];

        _cycleLength = _intermediate - EntryUnits;
        _inverseRms = [.. _tokens.Select(InverseRms)];
        _newlineInverseRms = InverseRms(Newline);
    }

    /// <summary>The memory's tokens in cycle order: token i is followed by token i+1 (and the last by the first).</summary>
    public IReadOnlyList<int> Cycle => _tokens[.._cycleLength];

    /// <summary>Whether <paramref name="tensorName"/> gets planted terms (checked once per tensor).</summary>
    public bool Touches(string tensorName) => tensorName == _gate || tensorName == _up || tensorName == _down || tensorName == _postNorm;

    /// <summary>The planted term for element <paramref name="index"/> of <paramref name="tensorName"/> (row-major).</summary>
    public float Term(string tensorName, long index)
    {
        if (tensorName == _postNorm)
            return Gemma2PostNormGain - 1f;
        if (tensorName == _down)
        {
            // down_proj [hidden, intermediate]: column k writes the embedding of the token unit k predicts.
            var (r, k) = ((int)(index / _intermediate), (int)(index % _intermediate));
            var next = k < _cycleLength ? (k + 1) % _cycleLength : _planted ? 0 : (k - _cycleLength) * _cycleLength / EntryUnits;
            return OutputGain / MathF.Sqrt(_intermediate) * EmbeddingAt(_tokens[next], r) * _inverseRms[next];
        }

        // gate_proj and up_proj [intermediate, hidden]: row k reads the embedding direction of its key token; an
        // entry unit reads "\n" (every prompt's last token) plus a random direction that the context moves.
        var (unit, column) = ((int)(index / _hidden), (int)(index % _hidden));
        if (unit < _cycleLength)
            return KeyMatch / _hidden * EmbeddingAt(_tokens[unit], column) * _inverseRms[unit];
        // With a planted answer the entry units read "\n" alone, so they start that answer and stay quiet after it.
        var context = _planted ? 0f : EntryContextMatch * EmbeddingAt(_tokens[unit], column) * _inverseRms[unit];
        return ((EntryMatch * EmbeddingAt(Newline, column) * _newlineInverseRms) + context) / _hidden;
    }

    private float EmbeddingAt(int token, int column)
    {
        Span<float> one = stackalloc float[1];
        _embedding.Fill(((long)token * _hidden) + column, one);
        return one[0];
    }

    private float InverseRms(int token)
    {
        var row = new float[_hidden];
        _embedding.Fill((long)token * _hidden, row);
        var sum = 0.0;
        foreach (var v in row)
            sum += (double)v * v;
        return (float)(1 / Math.Sqrt((sum / _hidden) + 1e-30));
    }
}
