using EdgePali.Quantize.Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Quantization;

/// <summary>
/// An embedding table [V, D] stored as int8 with one float scale per block of columns (symmetric, absmax/127),
/// looked up with Gather and dequantised after the lookup with plain ONNX ops (Cast, Mul, Reshape): a quarter of
/// the float size, every row keeps its own scales, and it runs on every ORT build including transformers.js's.
/// Rows are fed in order in chunks; the builder and `quantize` share it so both give the same bytes.
/// </summary>
internal sealed class QuantizedEmbeddingWriter
{
    private readonly OnnxGraph _graph;
    private readonly string _hint;
    private readonly string _codesName;
    private readonly ExternalTensorSink _codesSink;
    private readonly float[] _scales;
    private sbyte[] _codes = [];
    private long _rowsWritten;

    public QuantizedEmbeddingWriter(OnnxGraph graph, string hint, long rows, int width, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        _hint = hint;
        Rows = rows;
        Width = width;
        Block = width % blockSize == 0 ? blockSize : width;
        Blocks = width / Block;
        _codesName = graph.Name(hint + ".qweight");
        _codesSink = graph.BeginInitializer(_codesName, DataType.Int8, [rows, width]);
        _scales = new float[rows * Blocks];
    }

    public long Rows { get; }

    public int Width { get; }

    /// <summary>Columns per scale: the block size when it divides the width, else the whole row.</summary>
    public int Block { get; }

    public int Blocks { get; }

    public void WriteRows(ReadOnlySpan<float> rows)
    {
        if (_codes.Length < rows.Length)
            _codes = new sbyte[rows.Length];
        var q = _codes.AsSpan(0, rows.Length);
        for (var start = 0; start < rows.Length; start += Block)
        {
            var values = rows.Slice(start, Block);
            var absMax = 0f;
            foreach (var v in values)
                absMax = MathF.Max(absMax, MathF.Abs(v));
            var scale = absMax / 127f;
            var inverse = scale == 0 ? 0 : 1f / scale;
            for (var i = 0; i < Block; i++)
                q[start + i] = (sbyte)Math.Clamp((int)MathF.Round(values[i] * inverse), -127, 127);
            _scales[(_rowsWritten * Blocks) + (start / Block)] = scale;
        }

        _codesSink.Write<sbyte>(q);
        _rowsWritten += rows.Length / Width;
    }

    /// <summary>Adds Gather + dequantisation for <paramref name="ids"/> [B, T]; returns the [B, T, D] output.</summary>
    public string Complete(string ids, string? output = null)
    {
        if (_rowsWritten != Rows)
            throw new InvalidOperationException($"'{_codesName}' got {_rowsWritten} of {Rows} rows.");
        _codesSink.Complete();
        var scaleName = _graph.Floats(_hint + ".scales", [Rows, Blocks, 1], _scales);
        var gathered = _graph.Node("Cast", [_graph.Op("Gather", _codesName, ids)], null, "", OnnxGraph.Attr("to", (long)DataType.Float));
        var blocked = _graph.Op("Reshape", gathered, _graph.Int64s("shape_blocks", 0, 0, Blocks, Block));
        var dequantized = _graph.Op("Mul", blocked, _graph.Op("Gather", scaleName, ids));
        return _graph.Node("Reshape", [dequantized, _graph.Int64s("shape_embeds", 0, 0, Width)], output);
    }
}
