using System.Text.Json.Serialization;

namespace EdgePali.Quantize.Builders;

/// <summary>One linear layer of a built graph and the weight format it got ("int8", "int4@1", "fp32"), for edgepali.json.</summary>
public sealed record LinearLayerFormat(
    [property: JsonPropertyName("layer")] string Layer,
    [property: JsonPropertyName("format")] string Format);
