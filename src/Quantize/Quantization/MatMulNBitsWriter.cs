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
    private readonly OnnxGraph graph;
    private readonly BlockQuantizer quantizer;
    private readonly string weightName;
    private readonly string hint;
    private readonly ExternalTensorSink packedSink;
    private readonly float[] scales;
    private readonly byte[] zeroPoints;
    private byte[] packed = [];
    private int rowsWritten;

    public MatMulNBitsWriter(OnnxGraph graph, string hint, int bits, int blockSize, int k, int n, int accuracyLevel = WeightMix.DefaultAccuracyLevel)
    {
        if (accuracyLevel is < 0 or > 4)
            throw new ArgumentOutOfRangeException(nameof(accuracyLevel), accuracyLevel, "MatMulNBits accuracy_level is 0-4.");
        AccuracyLevel = accuracyLevel;
        ArgumentNullException.ThrowIfNull(graph);
        this.graph = graph;
        this.hint = hint;
        K = k;
        N = n;
        quantizer = new BlockQuantizer(bits, blockSize, k);
        weightName = graph.Name(hint + ".qweight");
        packedSink = graph.BeginInitializer(weightName, DataType.Uint8, [n, quantizer.KBlocks, quantizer.BlobBytes]);
        scales = new float[(long)n * quantizer.KBlocks];
        zeroPoints = new byte[(long)n * quantizer.ZeroPointRowBytes];
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
        if (rowsWritten + count > N)
            throw new InvalidOperationException($"More than {N} rows written to '{weightName}'.");
        if (packed.Length < count * quantizer.RowBytes)
            packed = new byte[count * quantizer.RowBytes];
        for (var r = 0; r < count; r++)
        {
            var global = rowsWritten + r;
            quantizer.QuantizeRow(
                rows.Slice(r * K, K),
                packed.AsSpan(r * quantizer.RowBytes, quantizer.RowBytes),
                scales.AsSpan(global * quantizer.KBlocks, quantizer.KBlocks),
                zeroPoints.AsSpan(global * quantizer.ZeroPointRowBytes, quantizer.ZeroPointRowBytes));
        }

        packedSink.Write(packed.AsSpan(0, count * quantizer.RowBytes));
        rowsWritten += count;
    }

    /// <summary>Adds the node y = x · Wᵀ once all N rows are written; returns its output (<paramref name="output"/> or a new name).</summary>
    public string Complete(string x, string? output = null)
    {
        if (rowsWritten != N)
            throw new InvalidOperationException($"'{weightName}' got {rowsWritten} of {N} rows.");
        packedSink.Complete();
        var inputs = new List<string>
        {
            x,
            weightName,
            graph.Initializer(graph.Name(hint + ".scales"), DataType.Float, [scales.Length], System.Runtime.InteropServices.MemoryMarshal.AsBytes(scales.AsSpan())),
        };
        if (quantizer.HasZeroPoints)
            inputs.Add(graph.Initializer(graph.Name(hint + ".zero_points"), DataType.Uint8, [zeroPoints.Length], zeroPoints));
        return graph.Node(
            "MatMulNBits",
            inputs,
            output ?? graph.Name(hint),
            OnnxGraph.MicrosoftDomain,
            OnnxGraph.Attr("K", (long)K),
            OnnxGraph.Attr("N", (long)N),
            OnnxGraph.Attr("bits", (long)quantizer.Bits),
            OnnxGraph.Attr("block_size", (long)quantizer.BlockSize),
            OnnxGraph.Attr("accuracy_level", (long)AccuracyLevel));
    }
}
