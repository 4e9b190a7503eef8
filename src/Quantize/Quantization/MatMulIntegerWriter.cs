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
    private readonly OnnxGraph _graph;
    private readonly string _hint;
    private readonly sbyte[] _codes;
    private readonly float[] _scales;
    private int _rowsWritten;

    public MatMulIntegerWriter(OnnxGraph graph, string hint, int k, int n)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        _hint = hint;
        K = k;
        N = n;
        _codes = new sbyte[(long)k * n];
        _scales = new float[n];
    }

    public int K { get; }

    public int N { get; }

    public void WriteRows(ReadOnlySpan<float> rows)
    {
        var count = rows.Length / K;
        for (var r = 0; r < count; r++)
        {
            var n = _rowsWritten + r;
            var row = rows.Slice(r * K, K);
            var absMax = 0f;
            foreach (var w in row)
                absMax = MathF.Max(absMax, MathF.Abs(w));
            var scale = absMax / 127f;
            var inverse = scale == 0 ? 0 : 1f / scale;
            _scales[n] = scale;
            for (var k = 0; k < K; k++)
                _codes[((long)k * N) + n] = (sbyte)Math.Clamp((int)MathF.Round(row[k] * inverse), -127, 127);
        }

        _rowsWritten += count;
    }

    /// <summary>
    /// Adds the nodes for y = A · B. <paramref name="quantizedInputs"/> caches A's DynamicQuantizeLinear outputs so
    /// several MatMuls reading the same activation quantise it once.
    /// </summary>
    public string Complete(string a, string? output, Dictionary<string, (string Q, string Scale, string ZeroPoint)> quantizedInputs)
    {
        ArgumentNullException.ThrowIfNull(quantizedInputs);
        if (_rowsWritten != N)
            throw new InvalidOperationException($"'{_hint}' got {_rowsWritten} of {N} rows.");
        if (!quantizedInputs.TryGetValue(a, out var qa))
        {
            qa = (_graph.Name(a + "_quantized"), _graph.Name(a + "_scale"), _graph.Name(a + "_zero_point"));
            _graph.NodeMulti("DynamicQuantizeLinear", [a], [qa.Q, qa.Scale, qa.ZeroPoint]);
            quantizedInputs[a] = qa;
        }

        var b = _graph.Initializer(_graph.Name(_hint + ".qweight"), DataType.Int8, [K, N], System.Runtime.InteropServices.MemoryMarshal.AsBytes(_codes.AsSpan()));
        var bScales = _graph.Floats(_hint + ".scales", [N], _scales);
        var product = _graph.Op("MatMulInteger", qa.Q, b, qa.ZeroPoint);
        var asFloat = _graph.Node("Cast", [product], null, "", OnnxGraph.Attr("to", (long)DataType.Float));
        var scale = _graph.Op("Mul", qa.Scale, bScales);
        return _graph.Node("Mul", [asFloat, scale], output);
    }
}
