namespace EdgePali.Quantize.Builders;

/// <summary>
/// Gemma's rotary position embedding constants (rotate-half convention): inv_freq[i] = theta^(-2i/head_dim),
/// angle = position * inv_freq, computed in float32 as transformers does.
/// </summary>
public static class RotaryEmbedding
{
    public static float[] InverseFrequencies(int headDim, float theta)
    {
        var half = headDim / 2;
        var result = new float[half];
        for (var i = 0; i < half; i++)
            result[i] = (float)(1.0 / Math.Pow(theta, 2.0 * i / headDim));
        return result;
    }
}
