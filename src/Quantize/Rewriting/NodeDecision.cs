using System.Text.Json.Serialization;

namespace EdgePali.Quantize.Rewriting;

/// <summary>What `quantize` did with one weight-carrying node (MatMul, Gemm, Conv, Gather of a table) and why.</summary>
/// <param name="Part">vision_encoder, embed_tokens or decoder_model_merged.</param>
/// <param name="Node">The source node's name (or its first output when unnamed).</param>
/// <param name="Op">The source operator.</param>
/// <param name="Quantized">True when the node was rewritten.</param>
/// <param name="Detail">The replacement (e.g. "MatMulNBits bits=8 block=32 K=64 N=192") or why it stayed float.</param>
public sealed record NodeDecision(
    [property: JsonPropertyName("part")] string Part,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("quantized")] bool Quantized,
    [property: JsonPropertyName("detail")] string Detail);
