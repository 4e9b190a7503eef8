namespace EdgePali.Quantize.Builders;

/// <summary>Which operators the builder writes the decoder and vision graphs with (`build --graph`).</summary>
public enum GraphLayout
{
    /// <summary>
    /// Standard ONNX ops plus MatMulNBits and SimplifiedLayerNormalization: the layout transformers.js exports use,
    /// portable to any runtime with those two ops (every ONNX Runtime build, transformers.js in Node and the browser).
    /// </summary>
    Standard,

    /// <summary>
    /// ONNX Runtime's fused contrib ops with CPU kernels: decoder GroupQueryAttention (packed QKV, rotary inside,
    /// bidirectional over the prompt), SkipSimplifiedLayerNormalization (residual add + RMSNorm); vision
    /// MultiHeadAttention (QKV bias inside), SkipLayerNormalization (residual add + bias + LayerNorm) and FastGelu
    /// (bias + GELU). Same inputs and outputs as <see cref="Standard"/>; needs an ONNX Runtime with these kernels.
    /// </summary>
    Fused,
}

public static class GraphLayouts
{
    /// <summary>The CLI / manifest spelling: "standard" or "fused".</summary>
    public static string CliName(this GraphLayout layout) => layout == GraphLayout.Fused ? "fused" : "standard";
}
