using EdgePali.Quantize.Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Quantization;

/// <summary>
/// An int8 MatMul on ONNX's integer GEMM (MatMulInteger; ORT runs it on MLAS QGEMM, with VNNI / SDOT kernels).
/// B is int8 [K, N] with one symmetric scale per output channel (absmax/127, zero point 0); A is quantised to uint8
/// at run time, either
/// <list type="bullet">
/// <item><see cref="ActivationQuantization.PerTensor"/>: the classic dynamic int8 (ORT quantize_dynamic,
/// transformers.js "q8"): DynamicQuantizeLinear, one asymmetric scale for the whole activation; or</item>
/// <item><see cref="ActivationQuantization.PerToken"/> (format "w8a8"): one symmetric scale per row (token),
/// absmax/127, stored as uint8 with zero point 128, so one loud token cannot stretch the others' scales.</item>
/// </list>
/// y = (qA - zpA) · qB * scaleA * scaleB. Rows of Wᵀ come in order; the int8 B is kept in memory
/// (one byte per weight) because MatMulInteger wants it as [K, N] while output channels arrive as rows.
/// </summary>
internal sealed class MatMulIntegerWriter
{
    private readonly OnnxGraph _graph;
    private readonly string _hint;
    private readonly ActivationQuantization _activations;
    private readonly sbyte[] _codes;
    private readonly float[] _scales;
    private readonly float[]? _inputScales;
    private readonly float[] _row;
    private int _rowsWritten;

    /// <param name="inputScales">Per-input-channel smoothing (<see cref="ChannelSmoothing"/>): column k of W is divided by
    /// s_k and the input's channel k multiplied by it before quantisation; null for none.</param>
    public MatMulIntegerWriter(OnnxGraph graph, string hint, int k, int n, ActivationQuantization activations = ActivationQuantization.PerTensor, float[]? inputScales = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (inputScales is not null && inputScales.Length != k)
            throw new ArgumentException($"{inputScales.Length} smoothing scales for K = {k}.", nameof(inputScales));
        _graph = graph;
        _hint = hint;
        _activations = activations;
        _inputScales = inputScales;
        K = k;
        N = n;
        _codes = new sbyte[(long)k * n];
        _scales = new float[n];
        _row = new float[k];
    }

    public int K { get; }

    public int N { get; }

    public void WriteRows(ReadOnlySpan<float> rows)
    {
        var count = rows.Length / K;
        if (count * K != rows.Length)
            throw new ArgumentException($"{rows.Length} floats are not whole rows of {K}.", nameof(rows));
        if (_rowsWritten + count > N)
            throw new InvalidOperationException($"More than {N} rows written to '{_hint}'.");
        for (var r = 0; r < count; r++)
        {
            var n = _rowsWritten + r;
            var row = rows.Slice(r * K, K);
            if (_inputScales is not null)
            {
                for (var k = 0; k < K; k++)
                    _row[k] = row[k] / _inputScales[k];
                row = _row;
            }

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
    /// Adds the nodes for y = A · B. <paramref name="quantizedInputs"/> caches A's quantised form (codes, scale,
    /// zero point) so several MatMuls reading the same activation quantise it once (q/k/v, gate/up).
    /// </summary>
    public string Complete(string a, string? output, Dictionary<string, QuantizedActivation> quantizedInputs)
    {
        ArgumentNullException.ThrowIfNull(quantizedInputs);
        if (_rowsWritten != N)
            throw new InvalidOperationException($"'{_hint}' got {_rowsWritten} of {N} rows.");

        // A smoothed input is this layer's own (x · diag(s)), so only unsmoothed inputs share their quantisation.
        if (_inputScales is not null)
            a = _graph.Op("Mul", a, _graph.Floats(_hint + ".input_scales", [K], _inputScales));
        var key = $"{a}/{_activations}";
        if (!quantizedInputs.TryGetValue(key, out var qa))
        {
            qa = _activations == ActivationQuantization.PerToken ? QuantizePerToken(a) : QuantizePerTensor(a);
            quantizedInputs[key] = qa;
        }

        var b = _graph.Initializer(_graph.Name(_hint + ".qweight"), DataType.Int8, [K, N], System.Runtime.InteropServices.MemoryMarshal.AsBytes(_codes.AsSpan()));
        var bScales = _graph.Floats(_hint + ".scales", [N], _scales);
        if (_activations == ActivationQuantization.PerTensor)
        {
            // The pattern ORT's optimiser fuses into MatMulIntegerToFloat / DynamicQuantizeMatMul (and the one
            // transformers.js' q8 exports have), kept for runtimes without the contrib ops.
            var product = _graph.Op("MatMulInteger", qa.Codes, b, qa.ZeroPoint);
            var asFloat = _graph.Node("Cast", [product], null, "", OnnxGraph.Attr("to", (long)DataType.Float));
            return _graph.Node("Mul", [asFloat, _graph.Op("Mul", qa.Scale, bScales)], output);
        }

        // Per token: MatMulIntegerToFloat (com.microsoft; MLAS QGEMM with the per-column scale applied as the int32
        // sums leave the kernel, no int32 tensor in between), then the row scale [..., M, 1]. Its a_scale is per
        // tensor or per column of A, never per row, so the token scale cannot go inside: a_scale is 1.
        var scaled = _graph.Node(
            "MatMulIntegerToFloat",
            [qa.Codes, b, _graph.Scalar("unit_scale", 1f), bScales, qa.ZeroPoint],
            null,
            OnnxGraph.MicrosoftDomain);
        return _graph.Node("Mul", [scaled, qa.Scale], output);
    }

    private QuantizedActivation QuantizePerTensor(string a)
    {
        var qa = new QuantizedActivation(_graph.Name(a + "_quantized"), _graph.Name(a + "_scale"), _graph.Name(a + "_zero_point"));
        _graph.NodeMulti("DynamicQuantizeLinear", [a], [qa.Codes, qa.Scale, qa.ZeroPoint]);
        return qa;
    }

    /// <summary>
    /// scale = max(|a| over the last axis, tiny) / 127 per row ([..., M, 1]); codes = QuantizeLinear(a, scale, 128)
    /// as uint8 (1..255). QuantizeLinear's per-axis scale is 1-D, so it runs on the rows flattened to [B*M, K]
    /// (a Reshape, no copy) with axis 0, which keeps every row of every batch on its own scale.
    /// uint8 with zero point 128 rather than int8: ORT's int8 x int8 MatMulInteger has no fast CPU kernel (measured
    /// 8-13x slower than uint8 x int8 on AVX-512 VNNI, docs/quantize.md), and the codes stay symmetric.
    /// </summary>
    private QuantizedActivation QuantizePerToken(string a)
    {
        var absMax = _graph.Node("ReduceMax", [_graph.Op("Abs", a), _graph.Int64s("last_axis", -1)], null, "", OnnxGraph.Attr("keepdims", 1L));
        var scale = _graph.Op("Div", _graph.Op("Max", absMax, _graph.Scalar("tiny", 1e-30f)), _graph.Scalar("int8_max", 127f));
        var rows = _graph.Op("Reshape", a, _graph.Int64s("rows_by_k", -1, K));
        var rowScales = _graph.Op("Reshape", scale, _graph.Int64s("flat", -1));
        var zeroPoints = _graph.Op("Expand", _graph.Initializer(_graph.Name("uint8_zero"), DataType.Uint8, [], [128]), _graph.Op("Shape", rowScales));
        var rowCodes = _graph.Node("QuantizeLinear", [rows, rowScales, zeroPoints], null, "", OnnxGraph.Attr("axis", 0L));
        var codes = _graph.Node("Reshape", [rowCodes, _graph.Op("Shape", a)], _graph.Name(a + "_per_token_codes"));
        var zeroPoint = _graph.Initializer(_graph.Name("per_token_zero_point"), DataType.Uint8, [], [128]);
        return new QuantizedActivation(codes, scale, zeroPoint);
    }
}
