using System.Text.RegularExpressions;
using EdgePali.Quantize.Quantization;
using EdgePali.Vision.Packages;
using Onnx;

namespace EdgePali.Quantize.Rewriting;

/// <summary>
/// Where a weight node of an existing graph sits (part, block index, attention or MLP), read from its node, weight
/// and output names, so `quantize --mix` rules apply to exports as to the builder's graphs. It recognises the
/// builder's names (<c>vision.3.qkv.weight</c>, <c>layers.5.gate_up.weight</c>, <c>lm_head.weight</c>) and the
/// Hugging Face module paths optimum/transformers.js exports keep in node names
/// (<c>/language_model/model/layers.5/mlp/down_proj/MatMul</c>). A name without a layer or kind matches only rules
/// without one (e.g. <c>decoder=int4</c>, not <c>decoder.layers.3=int4</c>); edgepali.json records each node's outcome.
/// </summary>
internal static partial class LinearScopes
{
    public static LinearScope Classify(ModelPart part, NodeProto node, string weightName)
    {
        ArgumentNullException.ThrowIfNull(node);
        var text = string.Join(' ', node.Name, weightName, string.Join(' ', node.Output)).ToLowerInvariant();
        var linearPart = part switch
        {
            ModelPart.VisionEncoder => text.Contains("projector", StringComparison.Ordinal) ? LinearPart.Projector : LinearPart.Vision,
            ModelPart.EmbedTokens => LinearPart.Embed,
            _ => text.Contains("lm_head", StringComparison.Ordinal) ? LinearPart.LmHead : LinearPart.Decoder,
        };
        if (linearPart is LinearPart.Projector or LinearPart.LmHead or LinearPart.Embed)
            return new LinearScope(linearPart);
        var layerMatch = LayerPattern().Match(text);
        int? layer = layerMatch.Success ? int.Parse(layerMatch.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
        LinearKind? kind = MlpPattern().IsMatch(text) ? LinearKind.Mlp : AttentionPattern().IsMatch(text) ? LinearKind.Attention : null;
        return new LinearScope(linearPart, layer, kind);
    }

    /// <summary>"decoder layer 5 mlp", "lm_head".</summary>
    public static string Describe(LinearScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var text = scope.Part switch
        {
            LinearPart.Vision => "vision",
            LinearPart.Projector => "projector",
            LinearPart.Decoder => "decoder",
            LinearPart.LmHead => "lm_head",
            _ => "embed",
        };
        if (scope.Layer is int layer)
            text += $" layer {layer}";
        if (scope.Kind is LinearKind kind)
            text += kind == LinearKind.Attention ? " attention" : " mlp";
        return text;
    }

    [GeneratedRegex(@"(?:layers|vision)[./_](\d+)\b", RegexOptions.CultureInvariant)]
    private static partial Regex LayerPattern();

    [GeneratedRegex(@"(?:mlp|fc[12]|gate_up|gate_proj|up_proj|down_proj)", RegexOptions.CultureInvariant)]
    private static partial Regex MlpPattern();

    [GeneratedRegex(@"(?:self_attn|q_proj|k_proj|v_proj|qkv|o_proj|out_proj)", RegexOptions.CultureInvariant)]
    private static partial Regex AttentionPattern();
}
