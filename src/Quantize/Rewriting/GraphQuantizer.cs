using System.IO.Enumeration;
using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Quantization;
using EdgePali.Vision.Packages;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Rewriting;

/// <summary>How one graph is rewritten.</summary>
/// <param name="Mode">int8, int4, w8a8 or dynamic-int8 (qdq has its own rewriter).</param>
/// <param name="Part">Which part of the package the graph is (the scope `--mix` rules match against).</param>
/// <param name="Mix">Each weight's MatMulNBits bits and accuracy_level (or fp32) by scope; unused by dynamic-int8.</param>
/// <param name="Enabled">False copies the graph unchanged (part not selected with --parts).</param>
internal sealed record GraphQuantizePlan(
    QuantizationMode Mode,
    Vision.Packages.ModelPart Part,
    WeightMix Mix,
    int BlockSize,
    bool Enabled,
    IReadOnlyList<string> Exclude);

/// <summary>
/// Rewrites one float ONNX graph into its weight-quantised form: every MatMul (and plain Gemm) whose B is a
/// constant 2-D float initializer becomes MatMulNBits (int8/int4) or DynamicQuantizeLinear + MatMulInteger
/// (dynamic-int8); a Gather from a large float table becomes the int8 table lookup the builder writes. Everything
/// else is copied, weights streamed from the source's external data into the new one. Returns, per weight node,
/// what was done or why it stayed float.
/// </summary>
internal sealed class GraphQuantizer
{
    /// <summary>Tables smaller than this stay float: the saving is nothing and lookups of small tables are rare.</summary>
    private const long MinTableElements = 1 << 16;

    private readonly List<ManifestNodeDecision> _decisions = [];
    private readonly Dictionary<string, QuantizedActivation> _dynamicInputs = new(StringComparer.Ordinal);

    // Value name -> the node that computes it (norms, for the w8a8 smoothing of the MatMuls that read them).
    private readonly Dictionary<string, NodeProto> _producers = new(StringComparer.Ordinal);
    private readonly OnnxModelSource _source;
    private readonly string _partName;
    private readonly GraphQuantizePlan _plan;
    private readonly OnnxGraph _graph;
    private readonly Action<long> _bytesDone;
    private readonly CancellationToken _cancellationToken;

    private GraphQuantizer(OnnxModelSource source, string partName, GraphQuantizePlan plan, OnnxGraph graph, Action<long> bytesDone, CancellationToken cancellationToken)
    {
        _source = source;
        _partName = partName;
        _plan = plan;
        _graph = graph;
        _bytesDone = bytesDone;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Writes the rewritten graph to <paramref name="outPath"/> (+ _data); returns the per-node decisions.</summary>
    public static IReadOnlyList<ManifestNodeDecision> Rewrite(OnnxModelSource source, string partName, GraphQuantizePlan plan, string outPath, Action<long> bytesDone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var model = source.Model.Clone();
        using var graph = new OnnxGraph(outPath, model);
        var nodes = model.Graph.Node.ToList();
        model.Graph.Node.Clear();
        model.Graph.Initializer.Clear();
        var rewriter = new GraphQuantizer(source, partName, plan, graph, bytesDone, cancellationToken);
        foreach (var node in nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var output in node.Output)
                rewriter._producers[output] = node;
            if (!rewriter.TryRewrite(node))
                model.Graph.Node.Add(node);
        }

        InitializerCopier.CopyReferenced(source, graph, model.Graph, bytesDone, cancellationToken);
        model.ProducerName = "edgepali-quantize";
        model.ProducerVersion = BuilderVersion.Value;
        graph.Save();
        return rewriter._decisions;
    }

    private bool TryRewrite(NodeProto node)
    {
        switch (node.OpType)
        {
            case "MatMul" when node.Domain.Length == 0:
                return RewriteMatMul(node, node.Input[1], storedAsNByK: false, bias: null);
            case "Gemm" when node.Domain.Length == 0:
                var why = GemmUnsupported(node);
                if (why is not null)
                {
                    Keep(node, why);
                    return false;
                }

                return RewriteMatMul(node, node.Input[1], storedAsNByK: IntAttr(node, "transB", 0) == 1, bias: node.Input.Count > 2 && node.Input[2].Length > 0 ? node.Input[2] : null);
            case "Gather" when node.Domain.Length == 0 && _source.TryGetInitializer(node.Input[0], out var table) && (DataType)table.DataType == DataType.Float && table.Dims.Count == 2:
                return RewriteGather(node, table);
            case "Conv" when node.Domain.Length == 0:
                Keep(node, "convolution (the patch embedding sees raw pixels; one small layer): weight-only modes keep it float");
                return false;
            default:
                return false;
        }
    }

    private bool RewriteMatMul(NodeProto node, string weight, bool storedAsNByK, string? bias)
    {
        if (!_source.TryGetInitializer(weight, out var b))
        {
            Keep(node, "B is computed at run time (attention scores or values), not a weight");
            return false;
        }

        if ((DataType)b.DataType != DataType.Float || b.Dims.Count != 2)
        {
            Keep(node, $"B is {(DataType)b.DataType} of rank {b.Dims.Count}; only 2-D float weights are quantised");
            return false;
        }

        if (Excluded(node) is string pattern)
        {
            Keep(node, $"matches --exclude '{pattern}'");
            return false;
        }

        if (!_plan.Enabled)
        {
            Keep(node, "part not selected with --parts");
            return false;
        }

        LinearFormat? format = null;
        if (_plan.Mode != QuantizationMode.DynamicInt8)
        {
            var scope = LinearScopes.Classify(_plan.Part, node, weight);
            format = _plan.Mix.Resolve(scope);
            if (format.IsFloat)
            {
                Keep(node, $"--mix sets fp32 for {LinearScopes.Describe(scope)}");
                return false;
            }
        }

        var reader = new WeightReader(_source, b, storedAsNByK);
        var (k, n) = ((int)reader.K, (int)reader.N);
        var output = node.Output[0];
        var product = bias is null ? output : _graph.Name(output + "_matmul");
        string detail;
        if (_plan.Mode == QuantizationMode.DynamicInt8)
        {
            var writer = new MatMulIntegerWriter(_graph, weight, k, n);
            reader.ForEachRowChunk(rows => Progress(rows, writer.WriteRows), _cancellationToken);
            writer.Complete(node.Input[0], product, _dynamicInputs);
            detail = $"DynamicQuantizeLinear + MatMulInteger, int8 per-channel weights, K={k} N={n}";
        }
        else if (format!.PerTokenActivations)
        {
            var smoothing = new ChannelSmoothing(k);
            reader.ForEachRowChunk(smoothing.Observe, _cancellationToken);
            var gains = NormGains.Find(_producers, node.Input[0], _source, k);
            var writer = new MatMulIntegerWriter(_graph, weight, k, n, ActivationQuantization.PerToken, smoothing.Scales(gains));
            reader.ForEachRowChunk(rows => Progress(rows, writer.WriteRows), _cancellationToken);
            writer.Complete(node.Input[0], product, _dynamicInputs);
            detail = $"w8a8: MatMulIntegerToFloat, int8 per-channel weights smoothed per input channel{(gains is null ? "" : " (with the norm's gains)")}, activations int8 per token, K={k} N={n}";
        }
        else
        {
            var writer = new MatMulNBitsWriter(_graph, weight, format.Bits!.Value, _plan.BlockSize, k, n, format.AccuracyLevel);
            reader.ForEachRowChunk(rows => Progress(rows, writer.WriteRows), _cancellationToken);
            writer.Complete(node.Input[0], product);
            detail = $"MatMulNBits bits={format.Bits} block={_plan.BlockSize} K={k} N={n}"
                + (format.AccuracyLevel == WeightMix.DefaultAccuracyLevel ? "" : $" accuracy_level={format.AccuracyLevel}");
        }

        if (bias is not null)
            _graph.Node("Add", [product, bias], output);
        _decisions.Add(new ManifestNodeDecision(_partName, NodeName(node), node.OpType, true, detail));
        return true;
    }

    private bool RewriteGather(NodeProto node, TensorProto table)
    {
        var elements = OnnxModelSource.ElementCount(table);
        if (IntAttr(node, "axis", 0) != 0 || elements < MinTableElements)
        {
            Keep(node, elements < MinTableElements ? $"table of {elements} values is too small to be worth quantising" : "gathers along an axis other than rows");
            return false;
        }

        if (Excluded(node) is string pattern)
        {
            Keep(node, $"matches --exclude '{pattern}'");
            return false;
        }

        if (!_plan.Enabled)
        {
            Keep(node, "part not selected with --parts");
            return false;
        }

        if (_plan.Mode != QuantizationMode.DynamicInt8 && _plan.Mix.Resolve(new LinearScope(LinearPart.Embed)).IsFloat)
        {
            Keep(node, "--mix sets fp32 for embed");
            return false;
        }

        var writer = new QuantizedEmbeddingWriter(_graph, table.Name, table.Dims[0], (int)table.Dims[1], _plan.BlockSize);
        new WeightReader(_source, table, storedAsNByK: true).ForEachRowChunk(rows => Progress(rows, writer.WriteRows), _cancellationToken);
        writer.Complete(node.Input[1], node.Output[0]);
        _decisions.Add(new ManifestNodeDecision(_partName, NodeName(node), node.OpType, true, $"int8 table, one float scale per {writer.Block} columns, dequantised after the lookup ({table.Dims[0]}x{table.Dims[1]})"));
        return true;
    }

    private void Progress(ReadOnlySpan<float> rows, SpanAction write)
    {
        write(rows);
        _bytesDone(rows.Length * sizeof(float));
    }

    private delegate void SpanAction(ReadOnlySpan<float> rows);

    private static string? GemmUnsupported(NodeProto node)
    {
        if (IntAttr(node, "transA", 0) != 0)
            return "Gemm with transA=1";
        if (FloatAttr(node, "alpha", 1f) != 1f)
            return "Gemm with alpha != 1";
        if (node.Input.Count > 2 && node.Input[2].Length > 0 && FloatAttr(node, "beta", 1f) != 1f)
            return "Gemm with beta != 1";
        return null;
    }

    private string? Excluded(NodeProto node)
    {
        foreach (var pattern in _plan.Exclude)
        {
            if (FileSystemName.MatchesSimpleExpression(pattern, node.Name) || node.Output.Any(o => FileSystemName.MatchesSimpleExpression(pattern, o))
                || node.Input.Skip(1).Any(i => FileSystemName.MatchesSimpleExpression(pattern, i)))
            {
                return pattern;
            }
        }

        return null;
    }

    private void Keep(NodeProto node, string why) => _decisions.Add(new ManifestNodeDecision(_partName, NodeName(node), node.OpType, false, why));

    private static string NodeName(NodeProto node) => node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault() ?? node.OpType;

    private static long IntAttr(NodeProto node, string name, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

    private static float FloatAttr(NodeProto node, string name, float fallback) => node.Attribute.FirstOrDefault(a => a.Name == name)?.F ?? fallback;
}
