namespace EdgePali.Quantize.Checkpoints;

/// <summary>A tensor of an open checkpoint, read in slices (rows) so big tensors stream.</summary>
public sealed class CheckpointTensor
{
    private readonly SafetensorsFile _file;

    internal CheckpointTensor(SafetensorsFile file, SafetensorsTensorInfo info)
    {
        _file = file;
        Info = info;
    }

    public SafetensorsTensorInfo Info { get; }

    public string Name => Info.Name;

    public string FilePath => _file.Path;

    public IReadOnlyList<long> Shape => Info.Shape;

    public long ElementCount => Info.ElementCount;

    /// <summary>Elements per row of the outermost dimension.</summary>
    public long RowLength => Info.Shape.Length == 0 ? 1 : ElementCount / Info.Shape[0];

    public void Read(long firstElement, Span<float> destination) => _file.ReadFloats(Info, firstElement, destination);

    public void ReadRows(long firstRow, int rowCount, Span<float> destination) =>
        _file.ReadFloats(Info, firstRow * RowLength, destination[..checked((int)(rowCount * RowLength))]);

    public float[] ReadAll()
    {
        var values = new float[ElementCount];
        Read(0, values);
        return values;
    }
}
