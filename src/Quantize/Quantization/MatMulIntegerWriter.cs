using EdgePali.Quantize.Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Quantization;

/// <summary>
/// The classic dynamic int8 MatMul (ORT quantize_dynamic): A is quantised per tensor at run time
/// (DynamicQuantizeLinear -> uint8, scale, zero point), B is int8 [K, N] with one symmetric scale per output
/// channel (absmax/127, zero point 0), and y = Cast(MatMulInteger(qA, qB, zpA)) * (scaleA * scaleB).
/// Rows of Wᵀ come in order; the int8 B is kept in memory (one byte per weight) because MatMulInteger wants it
/// as [K, N] while output channels arrive as rows.
/// </summary>
internal sealed class MatMulIntegerWriter
{
    private readonly OnnxGraph graph;
    private readonly string hint;
    private readonly sbyte[] codes;
    private readonly float[] scales;
    private int rowsWritten;

    public MatMulIntegerWriter(OnnxGraph graph, string hint, int k, int n)
    {
        ArgumentNullException.ThrowIfNull(graph);
        this.graph = graph;
        this.hint = hint;
        K = k;
        N = n;
        codes = new sbyte[(long)k * n];
        scales = new float[n];
    }

    public int K { get; }

    public int N { get; }

    public void WriteRows(ReadOnlySpan<float> rows)
    {
        var count = rows.Length / K;
        for (var r = 0; r < count; r++)
        {
            var n = rowsWritten + r;
            var row = rows.Slice(r * K, K);
            var absMax = 0f;
            foreach (var w in row)
                absMax = MathF.Max(absMax, MathF.Abs(w));
            var scale = absMax / 127f;
            var inverse = scale == 0 ? 0 : 1f / scale;
            scales[n] = scale;
            for (var k = 0; k < K; k++)
                codes[((long)k * N) + n] = (sbyte)Math.Clamp((int)MathF.Round(row[k] * inverse), -127, 127);
        }

        rowsWritten += count;
    }

    /// <summary>
    /// Adds the nodes for y = A · B. <paramref name="quantizedInputs"/> caches A's DynamicQuantizeLinear outputs so
    /// several MatMuls reading the same activation quantise it once.
    /// </summary>
    public string Complete(string a, string? output, Dictionary<string, (string Q, string Scale, string ZeroPoint)> quantizedInputs)
    {
        ArgumentNullException.ThrowIfNull(quantizedInputs);
        if (rowsWritten != N)
            throw new InvalidOperationException($"'{hint}' got {rowsWritten} of {N} rows.");
        if (!quantizedInputs.TryGetValue(a, out var qa))
        {
            qa = (graph.Name(a + "_quantized"), graph.Name(a + "_scale"), graph.Name(a + "_zero_point"));
            graph.NodeMulti("DynamicQuantizeLinear", [a], [qa.Q, qa.Scale, qa.ZeroPoint]);
            quantizedInputs[a] = qa;
        }

        var b = graph.Initializer(graph.Name(hint + ".qweight"), DataType.Int8, [K, N], System.Runtime.InteropServices.MemoryMarshal.AsBytes(codes.AsSpan()));
        var bScales = graph.Floats(hint + ".scales", [N], scales);
        var product = graph.Op("MatMulInteger", qa.Q, b, qa.ZeroPoint);
        var asFloat = graph.Node("Cast", [product], null, "", OnnxGraph.Attr("to", (long)DataType.Float));
        var scale = graph.Op("Mul", qa.Scale, bScales);
        return graph.Node("Mul", [asFloat, scale], output);
    }
}
