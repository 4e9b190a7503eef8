namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>
/// Scale and zero point of a quantised tensor: x ≈ scale * (q - zeroPoint). As ORT's compute_scale_zp: the range
/// always includes 0 (so zero padding and ReLU zeros are exact), symmetric ranges centre on zero.
/// </summary>
public readonly record struct QuantParameters(float Scale, long ZeroPoint, QuantType Type, bool Symmetric)
{
    public static QuantParameters FromRange(double min, double max, QuantType type, bool symmetric)
    {
        var (qmin, qmax) = type.Range(symmetric);
        min = Math.Min(min, 0);
        max = Math.Max(max, 0);
        if (symmetric)
        {
            var absMax = Math.Max(-min, max);
            min = -absMax;
            max = absMax;
        }

        var scale = (float)((max - min) / (qmax - qmin));
        if (!(scale > 0) || !float.IsFinite(scale))
            scale = 1f; // an all-zero tensor: any scale represents it exactly
        long zeroPoint;
        if (!symmetric)
            zeroPoint = (long)Math.Round(qmin - (min / scale), MidpointRounding.ToEven);
        else
            zeroPoint = qmin < 0 ? 0 : (qmin + qmax + 1) / 2; // unsigned symmetric centres on the middle code, as ORT
        return new QuantParameters(scale, Math.Clamp(zeroPoint, qmin, qmax), type, symmetric);
    }

    /// <summary>ONNX QuantizeLinear: saturate(round_half_to_even(x / scale) + zero_point).</summary>
    public long Quantize(float x)
    {
        var (qmin, qmax) = Type.Range(Symmetric);
        var q = Math.Round((double)x / Scale, MidpointRounding.ToEven) + ZeroPoint;
        return (long)Math.Clamp(q, qmin, qmax);
    }

    public float Dequantize(long q) => Scale * (q - ZeroPoint);
}
