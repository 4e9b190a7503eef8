using System.Runtime.InteropServices;
using EdgePali.Quantize.Onnx;
using EdgePali.Vision.Packages;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>
/// Writes the QDQ form of a float graph: each calibrated activation gets one QuantizeLinear -> DequantizeLinear
/// pair right after its producer (quantised consumers read the dequantised value; float consumers keep the float
/// one), each constant input of a quantised node is stored quantised with a DequantizeLinear in front (weights
/// streamed from the source's external data in two passes: range, then codes), and the graph inputs and outputs
/// get fixed shapes (batch 1), as QNN HTP requires. Q/DQ use the ONNX domain from opset 21 (16-bit types) or 13
/// (8-bit, per-axis); below that, ORT's com.microsoft QuantizeLinear/DequantizeLinear.
/// </summary>
internal sealed class QdqGraphWriter
{
    /// <summary>About this many floats per chunk when a constant is read (16 MiB).</summary>
    private const int ChunkFloats = 4 << 20;

    private readonly OnnxModelSource _source;
    private readonly QdqGraphPlan _plan;
    private readonly IReadOnlyDictionary<string, TensorRange> _ranges;
    private readonly QdqOptions _options;
    private readonly OnnxGraph _graph;
    private readonly string _partName;
    private readonly Action<long> _bytesDone;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<string, QuantParameters> _activationParams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _dequantized = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QuantizedConstant> _constants = new(StringComparer.Ordinal);
    private readonly HashSet<string> _graphOutputs;

    private QdqGraphWriter(OnnxModelSource source, QdqGraphPlan plan, IReadOnlyDictionary<string, TensorRange> ranges, QdqOptions options, OnnxGraph graph, string partName, Action<long> bytesDone, CancellationToken cancellationToken)
    {
        _source = source;
        _plan = plan;
        _ranges = ranges;
        _options = options;
        _graph = graph;
        _partName = partName;
        _bytesDone = bytesDone;
        _cancellationToken = cancellationToken;
        _graphOutputs = graph.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A constant stored quantised: the DequantizeLinear output that replaces it, its scales and the axis (-1: per tensor).</summary>
    private sealed record QuantizedConstant(string Output, QuantParameters[] Parameters, int Axis, string Description);

    /// <summary>Writes the QDQ graph to <paramref name="outPath"/> (+ _data); returns a decision for every node, in graph order.</summary>
    public static List<ManifestNodeDecision> Write(
        OnnxModelSource source,
        QdqGraphPlan plan,
        IReadOnlyDictionary<string, TensorRange> ranges,
        QdqOptions options,
        IReadOnlyDictionary<string, long[]> inputShapes,
        string partName,
        string outPath,
        Action<long> bytesDone,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(plan);
        var model = source.Model.Clone();
        using var graph = new OnnxGraph(outPath, model);
        var nodes = model.Graph.Node.ToList();
        model.Graph.Node.Clear();
        model.Graph.Initializer.Clear();
        FixShapes(model.Graph, source.Path, inputShapes);
        var writer = new QdqGraphWriter(source, plan, ranges, options, graph, partName, bytesDone, cancellationToken);
        foreach (var input in model.Graph.Input)
        {
            if (plan.IsActivation(input.Name))
                writer.WrapActivation(input.Name, input.Name);
        }

        var decisions = new List<ManifestNodeDecision>();
        for (var index = 0; index < nodes.Count; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var node = nodes[index];
            if (plan.IsQuantized(index))
                decisions.Add(writer.RewriteInputs(node));
            else if (plan.FloatDecision(index) is { } kept)
                decisions.Add(kept);

            // What this node produces is wrapped right after it; a graph output keeps its name on the DequantizeLinear.
            var produced = new List<(string Float, string Name)>();
            for (var o = 0; o < node.Output.Count; o++)
            {
                var name = node.Output[o];
                if (name.Length == 0 || !plan.IsActivation(name))
                    continue;
                var floatName = writer._graphOutputs.Contains(name) ? graph.Name(name + "_float") : name;
                node.Output[o] = floatName;
                produced.Add((floatName, name));
            }

            model.Graph.Node.Add(node);
            foreach (var (floatName, name) in produced)
                writer.WrapActivation(floatName, name);
        }

        InitializerCopier.CopyReferenced(source, graph, model.Graph, bytesDone, cancellationToken);
        model.ProducerName = "edgepali-quantize";
        model.ProducerVersion = BuilderVersion.Value;
        graph.Save();
        return decisions;
    }

    /// <summary>
    /// Fixed shapes, as QNN requires: each input gets the shape it was calibrated with (pixel_values [1, 3, S, S]
    /// even when the source declares symbolic height and width); a symbolic batch of an output becomes 1.
    /// </summary>
    private static void FixShapes(GraphProto g, string path, IReadOnlyDictionary<string, long[]> inputShapes)
    {
        foreach (var input in g.Input)
        {
            var dims = input.Type?.TensorType?.Shape?.Dim;
            if (dims is null)
                continue;
            if (!inputShapes.TryGetValue(input.Name, out var shape))
                throw new QuantizeException($"Input '{input.Name}' of '{path}' is not fed during calibration, so its shape cannot be fixed; QDQ models for NPUs need fixed shapes.");
            if (shape.Length != dims.Count)
                throw new QuantizeException($"Input '{input.Name}' of '{path}' has rank {dims.Count}, but calibration fed it a tensor of rank {shape.Length}.");
            for (var i = 0; i < dims.Count; i++)
                dims[i] = new TensorShapeProto.Types.Dimension { DimValue = shape[i] };
        }

        foreach (var output in g.Output)
        {
            var dims = output.Type?.TensorType?.Shape?.Dim;
            if (dims is { Count: > 0 } && dims[0].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
                dims[0] = new TensorShapeProto.Types.Dimension { DimValue = 1 };
        }

        // Stale symbolic shapes of intermediate values would contradict the fixed ones; ORT infers them again.
        g.ValueInfo.Clear();
    }

    private void WrapActivation(string floatName, string name)
    {
        QuantParameters p;
        if (_plan.SharedParameters.TryGetValue(name, out var shared))
        {
            p = _activationParams[shared];
        }
        else
        {
            var range = _ranges.TryGetValue(name, out var r) ? r : throw new InvalidOperationException($"No calibrated range for '{name}'.");
            p = QuantParameters.FromRange(range.Min, range.Max, _options.Activations, symmetric: false);
        }

        _activationParams[name] = p;
        var (scale, zeroPoint) = ScaleAndZeroPoint(name, [p], perAxis: false);
        var domain = Domain(_options.Activations, perAxis: false);
        var q = _graph.Node("QuantizeLinear", [floatName, scale, zeroPoint], _graph.Name(name + "_q"), domain);
        var dq = floatName == name ? _graph.Name(name + "_dq") : name;
        _graph.Node("DequantizeLinear", [q, scale, zeroPoint], dq, domain);
        _dequantized[name] = dq;
    }

    private ManifestNodeDecision RewriteInputs(NodeProto node)
    {
        var constantsUsed = new List<string>();
        var original = node.Input.ToArray();
        foreach (var i in QdqOperators.DataInputIndices(node))
        {
            var name = node.Input[i];
            if (_plan.Initializers.Contains(name))
            {
                var constant = Constant(node, i, original);
                node.Input[i] = constant.Output;
                constantsUsed.Add(constant.Description);
            }
            else
            {
                node.Input[i] = _dequantized.TryGetValue(name, out var dq)
                    ? dq
                    : throw new QuantizeException($"'{_source.Path}': '{name}' is read by node '{QdqGraphPlan.NodeName(node)}' before it is produced; the graph is not in topological order.");
            }
        }

        var detail = $"QDQ: {_options.Activations.CliName()} activations";
        if (constantsUsed.Count > 0)
            detail += ", " + string.Join(", ", constantsUsed);
        return new ManifestNodeDecision(_partName, QdqGraphPlan.NodeName(node), node.OpType, true, detail);
    }

    private QuantizedConstant Constant(NodeProto node, int input, string[] original)
    {
        var name = node.Input[input];
        _source.TryGetInitializer(name, out var tensor);
        var role = QdqOperators.RoleOf(node, input);
        if (role == ConstantRole.Bias && BiasScales(node, original) is { } biasParams)
        {
            var key = $"{name}|bias|{QdqGraphPlan.NodeName(node)}";
            if (!_constants.TryGetValue(key, out var bias))
            {
                var axis = biasParams.Length > 1 ? 0 : -1;
                bias = Quantize(tensor, QuantType.Int32, symmetric: true, axis, biasParams, $"int32 bias '{name}'");
                _constants[key] = bias;
            }

            return bias;
        }

        if (role == ConstantRole.Weight)
        {
            var key = $"{name}|weight|{WeightAxis(node, tensor)}";
            if (!_constants.TryGetValue(key, out var weight))
            {
                var axis = WeightAxis(node, tensor);
                var granularity = axis < 0 ? "per-tensor" : $"per-channel (axis {axis})";
                weight = Quantize(tensor, _options.Weights, symmetric: _options.Weights == QuantType.Int8, axis, null, $"{_options.Weights.CliName()} {granularity} weight '{name}'");
                _constants[key] = weight;
            }

            return weight;
        }

        var otherKey = $"{name}|other";
        if (!_constants.TryGetValue(otherKey, out var other))
        {
            other = Quantize(tensor, _options.Activations, symmetric: false, -1, null, $"{_options.Activations.CliName()} constant '{name}'");
            _constants[otherKey] = other;
        }

        return other;
    }

    /// <summary>Output-channel axis of a weight when --per-channel is on: N of MatMul's [K, N], Gemm's B by transB, Conv's M.</summary>
    private int WeightAxis(NodeProto node, TensorProto weight)
    {
        if (!_options.PerChannel || weight.Dims.Count < 2)
            return -1;
        return node.OpType switch
        {
            "MatMul" when weight.Dims.Count == 2 => 1,
            "Gemm" => node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1 ? 0 : 1,
            "Conv" => 0,
            _ => -1,
        };
    }

    /// <summary>input scale x weight scale per channel, when the data input and the weight are both quantised here.</summary>
    private QuantParameters[]? BiasScales(NodeProto node, string[] original)
    {
        if (original.Length < 2 || !_activationParams.TryGetValue(original[0], out var x))
            return null;
        var weight = _constants.Values.FirstOrDefault(c => c.Output == node.Input[1]);
        return weight?.Parameters.Select(w => new QuantParameters(x.Scale * w.Scale, 0, QuantType.Int32, true)).ToArray();
    }

    /// <summary>
    /// Stores a float initializer as codes of <paramref name="type"/> with a DequantizeLinear in front. Without given
    /// parameters, a first pass finds each channel's range; the second writes the codes, a chunk at a time.
    /// </summary>
    private QuantizedConstant Quantize(TensorProto tensor, QuantType type, bool symmetric, int axis, QuantParameters[]? given, string description)
    {
        var dims = tensor.Dims.ToArray();
        var total = OnnxModelSource.ElementCount(tensor);
        var channels = axis < 0 ? 1 : (int)dims[axis];
        var inner = axis < 0 ? Math.Max(total, 1) : dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        var chunk = new float[(int)Math.Min(Math.Max(total, 1), ChunkFloats)];
        var parameters = given;
        if (parameters is null)
        {
            var min = new double[channels];
            var max = new double[channels];
            ForEachChunk(tensor, total, chunk, (first, values) =>
            {
                for (var j = 0; j < values.Length; j++)
                {
                    var c = (int)((first + j) / inner % channels);
                    min[c] = Math.Min(min[c], values[j]);
                    max[c] = Math.Max(max[c], values[j]);
                }
            });
            parameters = Enumerable.Range(0, channels).Select(c => QuantParameters.FromRange(min[c], max[c], type, symmetric)).ToArray();
        }

        var size = OnnxTypes.ByteSize(type.OnnxType());
        var codes = new byte[chunk.Length * size];
        var codesName = _graph.Name(tensor.Name + "_quantized");
        var sink = _graph.BeginInitializer(codesName, type.OnnxType(), dims);
        ForEachChunk(tensor, total, chunk, (first, values) =>
        {
            var bytes = codes.AsSpan(0, values.Length * size);
            for (var j = 0; j < values.Length; j++)
            {
                WriteCode(bytes, j, type, parameters[(int)((first + j) / inner % channels)].Quantize(values[j]));
            }

            sink.Write(bytes);
            _bytesDone(values.Length * sizeof(float));
        });
        sink.Complete();

        var (scale, zeroPoint) = ScaleAndZeroPoint(tensor.Name, parameters, axis >= 0);
        var output = _graph.Name(tensor.Name + "_dq");
        var attributes = axis >= 0 ? new[] { OnnxGraph.Attr("axis", (long)axis) } : [];
        _graph.Node("DequantizeLinear", [codesName, scale, zeroPoint], output, Domain(type, axis >= 0), attributes);
        return new QuantizedConstant(output, parameters, axis, description);
    }

    private void ForEachChunk(TensorProto tensor, long total, float[] chunk, Action<long, ReadOnlySpan<float>> consume)
    {
        for (long first = 0; first < total; first += chunk.Length)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var count = (int)Math.Min(chunk.Length, total - first);
            _source.ReadFloats(tensor, first, chunk.AsSpan(0, count));
            consume(first, chunk.AsSpan(0, count));
        }
    }

    /// <summary>Scale (float) and zero point (of the quantised type) initializers: scalars per tensor, [C] per axis.</summary>
    private (string Scale, string ZeroPoint) ScaleAndZeroPoint(string hint, QuantParameters[] parameters, bool perAxis)
    {
        long[] dims = perAxis ? [parameters.Length] : [];
        var scales = parameters.Select(p => p.Scale).ToArray();
        var scale = _graph.Initializer(_graph.Name(hint + "_scale"), DataType.Float, dims, MemoryMarshal.AsBytes(scales.AsSpan()));
        var type = parameters[0].Type;
        var size = OnnxTypes.ByteSize(type.OnnxType());
        var zeroPoints = new byte[parameters.Length * size];
        for (var c = 0; c < parameters.Length; c++)
            WriteCode(zeroPoints, c, type, parameters[c].ZeroPoint);

        var zeroPoint = _graph.Initializer(_graph.Name(hint + "_zero_point"), type.OnnxType(), dims, zeroPoints);
        return (scale, zeroPoint);
    }

    /// <summary>Stores code <paramref name="q"/> as element <paramref name="index"/> of <paramref name="type"/> (little-endian, as ONNX raw data).</summary>
    private static void WriteCode(Span<byte> destination, int index, QuantType type, long q)
    {
        switch (type)
        {
            case QuantType.UInt8:
                destination[index] = (byte)q;
                break;
            case QuantType.Int8:
                destination[index] = unchecked((byte)(sbyte)q);
                break;
            case QuantType.UInt16:
                MemoryMarshal.Cast<byte, ushort>(destination)[index] = (ushort)q;
                break;
            default:
                MemoryMarshal.Cast<byte, int>(destination)[index] = (int)q;
                break;
        }
    }

    /// <summary>ONNX Q/DQ take 16-bit types from opset 21 and an axis from 13; below that ORT's com.microsoft ones do.</summary>
    private string Domain(QuantType type, bool perAxis)
    {
        var opset = _graph.Opset;
        if (opset >= 21)
            return "";
        if (type.Is16Bit() || (perAxis && opset < 13) || opset < 10)
            return OnnxGraph.MicrosoftDomain;
        return "";
    }
}
