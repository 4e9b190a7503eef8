using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Rewriting;

/// <summary>How `quantize` rewrites a float package.</summary>
// Int8/Int4 name the modes users choose (--mode int8); CA1720 reads them as type names.
#pragma warning disable CA1720
public enum QuantizationMode
{
    /// <summary>Block-wise weight-only int8 MatMulNBits (CPU; the builder's int8).</summary>
    Int8,

    /// <summary>Block-wise int4 MatMulNBits for the decoder, int8 for the vision tower (the builder's int4).</summary>
    Int4,

    /// <summary>int8 weights per channel (smoothed) and int8 activations per token, MatMulIntegerToFloat (the builder's w8a8).</summary>
    W8A8,

    /// <summary>DynamicQuantizeLinear + MatMulInteger with per-channel int8 weights (the classic ORT path).</summary>
    DynamicInt8,

    /// <summary>Static QuantizeLinear/DequantizeLinear with calibrated activation ranges (NPUs: QNN HTP).</summary>
    Qdq,
}
#pragma warning restore CA1720

public static class QuantizationModes
{
    public static string CliName(this QuantizationMode mode) => mode switch
    {
        QuantizationMode.Int8 => "int8",
        QuantizationMode.Int4 => "int4",
        QuantizationMode.W8A8 => "w8a8",
        QuantizationMode.DynamicInt8 => "dynamic-int8",
        QuantizationMode.Qdq => "qdq",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>
    /// The package variant the mode writes, by transformers.js names (int8 -> _int8, int4 -> _q4, and _quantized for the
    /// dynamic-quantised MatMulInteger models its exports call q8); QDQ models have no transformers.js name: _qdq.
    /// </summary>
    public static ModelVariant Variant(this QuantizationMode mode) => mode switch
    {
        QuantizationMode.Int8 or QuantizationMode.W8A8 => ModelVariant.Int8,
        QuantizationMode.Int4 => ModelVariant.Q4,
        QuantizationMode.DynamicInt8 => ModelVariant.Parse("quantized"),
        QuantizationMode.Qdq => ModelVariant.Parse("qdq"),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    public static QuantizationMode Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "int8" => QuantizationMode.Int8,
        "int4" or "q4" => QuantizationMode.Int4,
        "w8a8" => QuantizationMode.W8A8,
        "dynamic-int8" or "dynamic" => QuantizationMode.DynamicInt8,
        "qdq" => QuantizationMode.Qdq,
        _ => throw new QuantizeException($"--mode '{name}' is not one of int8, int4, w8a8, dynamic-int8, qdq."),
    };
}
