namespace EdgePali.Quantize.Quantization;

/// <summary>
/// Per-input-channel smoothing for w8a8 layers (SmoothQuant, Xiao et al. 2023, from weight statistics and norm gains):
/// y = x · Wᵀ = (x · diag(s)) · (W · diag(s)⁻¹). A per-output-channel int8 scale spans all of K, so one outlier input
/// column (LLM weights have them; so do the builder's test checkpoints, 6x) stretches every row's scale and costs
/// the other columns their precision. Dividing column k by s_k = (c_k / median c)^α, c_k = max |W[:, k]|, moves
/// part of that range to the activation's channel k, which is quantised per token at run time.
/// </summary>
/// <remarks>
/// α = 0.5 (SmoothQuant's default split) was measured with `verify` on the tiny planted-memory checkpoint, 8 scenes x
/// 4 prompts (docs/quantize.md): within a few positions of block-32 int8's top-1, with higher vision cosine, where
/// α = 0 (no smoothing) lost 1.5 points of top-1 and α = 1 pushed the vision tower's range into activations.
/// Without calibration data the activation side is known only where the input is a norm's output: its gain
/// (see <see cref="Scales"/>). Calibrated activation maxima would cover the rest; `verify` a real checkpoint.
/// </remarks>
internal sealed class ChannelSmoothing(int k)
{
    /// <summary>How much of a column's range moves to the activations (0: none, 1: all).</summary>
    public const float Strength = 0.5f;

    private readonly float[] _columnAbsMax = new float[k];

    /// <summary>Accumulates max |W[:, k]| over whole rows of K (HF Linear layout, [N, K]).</summary>
    public void Observe(ReadOnlySpan<float> rows)
    {
        var absMax = _columnAbsMax.AsSpan();
        for (var start = 0; start + absMax.Length <= rows.Length; start += absMax.Length)
        {
            var row = rows.Slice(start, absMax.Length);
            for (var c = 0; c < row.Length; c++)
                absMax[c] = MathF.Max(absMax[c], MathF.Abs(row[c]));
        }
    }

    /// <summary>
    /// s_k per input channel; a typical channel gets about 1, so activation ranges stay as they were.
    /// <paramref name="inputGains"/>: when the input is a norm's output, its per-channel gain (|gamma|, + |beta| for
    /// LayerNorm), the static part of the activation's channel range (Outlier Suppression, Wei et al. 2022: the norm's
    /// gamma is what amplifies outlier channels). Then s_k = ((c_k / median c) / (g_k / median g))^α, SmoothQuant's
    /// split with g standing in for the calibrated activation maxima; without gains, g is taken as flat.
    /// </summary>
    public float[] Scales(ReadOnlySpan<float> inputGains = default)
    {
        if (!inputGains.IsEmpty && inputGains.Length != _columnAbsMax.Length)
            throw new ArgumentException($"{inputGains.Length} input gains for K = {_columnAbsMax.Length}.", nameof(inputGains));
        var weightMedian = Median(_columnAbsMax);
        var gainMedian = inputGains.IsEmpty ? 1f : Median(inputGains);
        var scales = new float[_columnAbsMax.Length];
        for (var c = 0; c < scales.Length; c++)
        {
            var ratio = MathF.Max(_columnAbsMax[c], Floor) / weightMedian;
            if (!inputGains.IsEmpty)
                ratio *= gainMedian / MathF.Max(MathF.Abs(inputGains[c]), Floor);
            scales[c] = MathF.Pow(ratio, Strength);
        }

        return scales;
    }

    /// <summary>The per-channel gain of a norm's output: |gamma| + |beta| (no beta for RMSNorm).</summary>
    public static float[] NormGains(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta = default)
    {
        if (!beta.IsEmpty && beta.Length != gamma.Length)
            throw new ArgumentException($"{beta.Length} beta values for {gamma.Length} gamma values.", nameof(beta));
        var gains = new float[gamma.Length];
        for (var c = 0; c < gains.Length; c++)
            gains[c] = MathF.Abs(gamma[c]) + (beta.IsEmpty ? 0f : MathF.Abs(beta[c]));
        return gains;
    }

    private const float Floor = 1e-12f;

    private static float Median(ReadOnlySpan<float> values)
    {
        var sorted = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
            sorted[i] = MathF.Abs(values[i]);
        Array.Sort(sorted);
        return MathF.Max(sorted[sorted.Length / 2], Floor);
    }
}
