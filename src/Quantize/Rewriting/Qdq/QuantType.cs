using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>Integer types of quantised tensors in a QDQ graph.</summary>
// The members name the types users choose (--activations uint16); CA1720 reads them as type names.
#pragma warning disable CA1720
public enum QuantType
{
    UInt8,
    Int8,
    UInt16,

    /// <summary>Conv/Gemm biases: scale = input scale x weight scale, zero point 0 (as ORT's QDQ quantiser writes them).</summary>
    Int32,
}
#pragma warning restore CA1720

public static class QuantTypes
{
    public static string CliName(this QuantType type) => type switch
    {
        QuantType.UInt8 => "uint8",
        QuantType.Int8 => "int8",
        QuantType.UInt16 => "uint16",
        QuantType.Int32 => "int32",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static QuantType Parse(string name, string option) => name.Trim().ToLowerInvariant() switch
    {
        "uint8" or "u8" => QuantType.UInt8,
        "int8" or "s8" => QuantType.Int8,
        "uint16" or "u16" => QuantType.UInt16,
        _ => throw new QuantizeException($"{option} '{name}' is not one of uint8, int8, uint16."),
    };

    internal static DataType OnnxType(this QuantType type) => type switch
    {
        QuantType.UInt8 => DataType.Uint8,
        QuantType.Int8 => DataType.Int8,
        QuantType.UInt16 => DataType.Uint16,
        QuantType.Int32 => DataType.Int32,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>
    /// Smallest and largest code. Symmetric int8 uses -127..127 (ORT's restricted range for symmetric weights), so
    /// +x and -x quantise to codes of equal magnitude.
    /// </summary>
    public static (long Min, long Max) Range(this QuantType type, bool symmetric) => type switch
    {
        QuantType.UInt8 => (0, 255),
        QuantType.Int8 => symmetric ? (-127, 127) : (-128, 127),
        QuantType.UInt16 => (0, 65535),
        QuantType.Int32 => (int.MinValue, int.MaxValue),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool Is16Bit(this QuantType type) => type == QuantType.UInt16;
}
