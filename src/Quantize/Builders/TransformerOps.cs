using EdgePali.Quantize.Onnx;

namespace EdgePali.Quantize.Builders;

/// <summary>Graph fragments shared by the vision tower and the decoder.</summary>
internal static class TransformerOps
{
    /// <summary>
    /// Gemma RMSNorm: x * rsqrt(mean(x²) + eps) * (1 + w). ORT's SimplifiedLayerNormalization (ONNX domain in ORT,
    /// CPU kernel) computes exactly x / sqrt(mean(x²) + eps) * gamma; gamma = 1 + w is folded in at build time.
    /// </summary>
    public static string RmsNorm(OnnxGraph g, string x, string gammaOnePlusW, float eps) =>
        g.Node("SimplifiedLayerNormalization", [x, gammaOnePlusW], null, "", OnnxGraph.Attr("axis", -1L), OnnxGraph.Attr("epsilon", eps));

    public static string LayerNorm(OnnxGraph g, string x, string weight, string bias, float eps) =>
        g.Node("LayerNormalization", [x, weight, bias], null, "", OnnxGraph.Attr("axis", -1L), OnnxGraph.Attr("epsilon", eps));

    /// <summary>GELU, tanh approximation (gelu_pytorch_tanh), ONNX Gelu-20.</summary>
    public static string GeluTanh(OnnxGraph g, string x) => g.Node("Gelu", [x], null, "", OnnxGraph.Attr("approximate", "tanh"));

    /// <summary>cos and sin tables [B, 1, T, head_dim] for the given int64 positions [B, T].</summary>
    public static (string Cos, string Sin) RotaryTables(OnnxGraph g, string positionIds, int headDim, float theta)
    {
        var positions = g.Node("Cast", [positionIds], null, "", OnnxGraph.Attr("to", (long)global::Onnx.TensorProto.Types.DataType.Float));
        var column = g.Op("Unsqueeze", positions, g.Int64s("axis2", 2));
        var invFreq = RotaryEmbedding.InverseFrequencies(headDim, theta);
        var freqs = g.Op("Mul", column, g.Floats("rope.inv_freq", [invFreq.Length], invFreq));
        var angles = g.Op("Concat", [freqs, freqs], OnnxGraph.Attr("axis", -1L));
        var axis1 = g.Int64s("axis1", 1);
        var cos = g.Op("Unsqueeze", g.Op("Cos", angles), axis1);
        var sin = g.Op("Unsqueeze", g.Op("Sin", angles), axis1);
        return (cos, sin);
    }

    /// <summary>x * cos + rotate_half(x) * sin for x [B, H, T, head_dim], rotate_half(x) = [-x2, x1].</summary>
    public static string ApplyRotary(OnnxGraph g, string x, string cos, string sin)
    {
        var x1 = g.Name("rope.x1");
        var x2 = g.Name("rope.x2");
        g.NodeMulti("Split", [x], [x1, x2], "", OnnxGraph.Attr("axis", -1L), OnnxGraph.Attr("num_outputs", 2L));
        var rotated = g.Op("Concat", [g.Op("Neg", x2), x1], OnnxGraph.Attr("axis", -1L));
        return g.Op("Add", g.Op("Mul", x, cos), g.Op("Mul", rotated, sin));
    }

    /// <summary>[B, T, heads*head_dim] -> [B, heads, T, head_dim].</summary>
    public static string SplitHeads(OnnxGraph g, string x, int heads, int headDim) =>
        g.Op("Transpose", [g.Op("Reshape", x, g.Int64s("shape_heads", 0, 0, heads, headDim))], OnnxGraph.Attr("perm", [0L, 2, 1, 3]));

    /// <summary>[B, heads, T, head_dim] -> [B, T, heads*head_dim].</summary>
    public static string MergeHeads(OnnxGraph g, string x, int heads, int headDim) =>
        g.Op("Reshape", g.Op("Transpose", [x], OnnxGraph.Attr("perm", [0L, 2, 1, 3])), g.Int64s("shape_merge", 0, 0, (long)heads * headDim));

    /// <summary>tanh(x / cap) * cap (Gemma 2 soft-capping).</summary>
    public static string SoftCap(OnnxGraph g, string x, float cap) =>
        g.Op("Mul", g.Op("Tanh", g.Op("Div", x, g.Scalar("softcap", cap))), g.Scalar("softcap", cap));
}
