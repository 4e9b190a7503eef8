namespace EdgePali.Quantize.Checkpoints;

/// <summary>One tensor's entry in a safetensors header: type, shape and byte range inside the data section.</summary>
public sealed record SafetensorsTensorInfo(string Name, CheckpointDType DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
