namespace EdgePali.Quantize.Quantization;

/// <summary>
/// Per-input-channel smoothing for w8a8 layers (SmoothQuant, Xiao et al. 2023, with weight statistics only):
/// y = x · Wᵀ = (x · diag(s)) · (W · diag(s)⁻¹). A per-output-channel int8 scale spans all of K, so one outlier input
/// column (LLM weights have them; so do the builder's test checkpoints, 6x) stretches every row's scale and costs
/// the other columns their precision. Dividing column k by s_k = (c_k / median c)^α, c_k = max |W[:, k]|, moves
/// part of that range to the activation's channel k, which is quantised per token at run time.
/// </summary>
/// <remarks>
/// α = 0.5 (SmoothQuant's default split) was measured with `verify` on the tiny planted-memory checkpoint, 8 scenes x
/// 4 prompts (docs/quantize.md): against block-32 int8 it gave the same top-1 and higher logits and vision cosine,
/// where α = 0 (no smoothing) lost 1.5 points of top-1 and α = 1 pushed the vision tower's range into activations.
/// Without calibration data the activation side is unknown: real checkpoints with activation outlier channels
/// would want calibrated scales; `verify` a real checkpoint before choosing w8a8.
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

    /// <summary>s_k per input channel; a typical column gets about 1, so activation ranges stay as they were.</summary>
    public float[] Scales()
    {
        const float Floor = 1e-12f;
        var sorted = _columnAbsMax.ToArray();
        Array.Sort(sorted);
        var median = MathF.Max(sorted[sorted.Length / 2], Floor);
        var scales = new float[_columnAbsMax.Length];
        for (var c = 0; c < scales.Length; c++)
            scales[c] = MathF.Pow(MathF.Max(_columnAbsMax[c], Floor) / median, Strength);
        return scales;
    }
}
