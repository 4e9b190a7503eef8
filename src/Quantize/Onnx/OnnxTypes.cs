using Onnx;

namespace EdgePali.Quantize.Onnx;

internal static class OnnxTypes
{
    public static int ByteSize(TensorProto.Types.DataType type) => type switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 => 4,
        TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Double => 8,
        TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Bool => 1,
        TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 => 2,
        TensorProto.Types.DataType.Uint16 or TensorProto.Types.DataType.Int16 => 2,
        TensorProto.Types.DataType.Uint32 => 4,
        TensorProto.Types.DataType.Uint64 => 8,
        _ => throw new NotSupportedException($"Initializer type {type} is not used by the builder."),
    };
}
