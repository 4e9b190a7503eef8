using EdgePali.Quantize.Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Quantization;

/// <summary>
/// Writes one MatMulNBits (com.microsoft) node: weight rows [N, K] (HF Linear layout, y = x · Wᵀ) are fed in
/// chunks, block-quantised with <see cref="BlockQuantizer"/> and streamed to the external data file; scales and
/// zero points follow when the node is completed. The builder (from checkpoints) and `quantize` (from ONNX
/// exports) both write through this class, so the same float weights give the same bytes either way.
/// </summary>
internal sealed class MatMulNBitsWriter
{
    private readonly OnnxGraph _graph;
    private readonly BlockQuantizer _quantizer;
    private readonly string _weightName;
    private readonly string _hint;
    private readonly ExternalTensorSink _packedSink;
    private readonly float[] _scales;
    private readonly byte[] _zeroPoints;
    private byte[] _packed = [];
    private int _rowsWritten;

    public MatMulNBitsWriter(OnnxGraph graph, string hint, int bits, int blockSize, int k, int n, int accuracyLevel = WeightMix.DefaultAccuracyLevel)
    {
        if (accuracyLevel is < 0 or > 4)
            throw new ArgumentOutOfRangeException(nameof(accuracyLevel), accuracyLevel, "MatMulNBits accuracy_level is 0-4.");
        AccuracyLevel = accuracyLevel;
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        _hint = hint;
        K = k;
        N = n;
        _quantizer = new BlockQuantizer(bits, blockSize, k);
        _weightName = graph.Name(hint + ".qweight");
        _packedSink = graph.BeginInitializer(_weightName, DataType.Uint8, [n, _quantizer.KBlocks, _quantizer.BlobBytes]);
        _scales = new float[(long)n * _quantizer.KBlocks];
        _zeroPoints = new byte[(long)n * _quantizer.ZeroPointRowBytes];
    }

    public int K { get; }

    public int N { get; }

    /// <summary>MatMulNBits accuracy_level: 4 quantises the input to int8 per block (int8 dot products), 1 computes in fp32.</summary>
    public int AccuracyLevel { get; }

    /// <summary>Quantises and appends whole rows (a multiple of K floats), in order.</summary>
    public void WriteRows(ReadOnlySpan<float> rows)
    {
        var count = rows.Length / K;
        if (count * K != rows.Length)
            throw new ArgumentException($"{rows.Length} floats are not whole rows of {K}.", nameof(rows));
        if (_rowsWritten + count > N)
            throw new InvalidOperationException($"More than {N} rows written to '{_weightName}'.");
        if (_packed.Length < count * _quantizer.RowBytes)
            _packed = new byte[count * _quantizer.RowBytes];
        for (var r = 0; r < count; r++)
        {
            var global = _rowsWritten + r;
            _quantizer.QuantizeRow(
                rows.Slice(r * K, K),
                _packed.AsSpan(r * _quantizer.RowBytes, _quantizer.RowBytes),
                _scales.AsSpan(global * _quantizer.KBlocks, _quantizer.KBlocks),
                _zeroPoints.AsSpan(global * _quantizer.ZeroPointRowBytes, _quantizer.ZeroPointRowBytes));
        }

        _packedSink.Write(_packed.AsSpan(0, count * _quantizer.RowBytes));
        _rowsWritten += count;
    }

    /// <summary>Adds the node y = x · Wᵀ once all N rows are written; returns its output (<paramref name="output"/> or a new name).</summary>
    public string Complete(string x, string? output = null)
    {
        if (_rowsWritten != N)
            throw new InvalidOperationException($"'{_weightName}' got {_rowsWritten} of {N} rows.");
        _packedSink.Complete();
        var inputs = new List<string>
        {
            x,
            _weightName,
            _graph.Initializer(_graph.Name(_hint + ".scales"), DataType.Float, [_scales.Length], System.Runtime.InteropServices.MemoryMarshal.AsBytes(_scales.AsSpan())),
        };
        if (_quantizer.HasZeroPoints)
            inputs.Add(_graph.Initializer(_graph.Name(_hint + ".zero_points"), DataType.Uint8, [_zeroPoints.Length], _zeroPoints));
        return _graph.Node(
            "MatMulNBits",
            inputs,
            output ?? _graph.Name(_hint),
            OnnxGraph.MicrosoftDomain,
            OnnxGraph.Attr("K", (long)K),
            OnnxGraph.Attr("N", (long)N),
            OnnxGraph.Attr("bits", (long)_quantizer.Bits),
            OnnxGraph.Attr("block_size", (long)_quantizer.BlockSize),
            OnnxGraph.Attr("accuracy_level", (long)AccuracyLevel));
    }
}
