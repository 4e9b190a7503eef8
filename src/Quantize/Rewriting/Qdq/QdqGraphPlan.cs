using System.IO.Enumeration;
using EdgePali.Vision.Packages;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>
/// Which nodes of a float graph are quantised in QDQ form and which activation tensors therefore need a calibrated
/// range: every float data input (that is not a constant) and every float data output of a quantised node. Nodes
/// stay float, with the reason recorded, when their op has no QDQ form here, when they match --exclude, when they
/// work on non-float data, or when they hold subgraphs.
/// </summary>
internal sealed class QdqGraphPlan
{
    private readonly HashSet<int> _quantized = [];
    private readonly Dictionary<int, ManifestNodeDecision> _floatDecisions = [];
    private readonly HashSet<string> _activationSet = new(StringComparer.Ordinal);

    private QdqGraphPlan(Dictionary<string, DataType> types, HashSet<string> initializers)
    {
        Types = types;
        Initializers = initializers;
    }

    public IReadOnlyDictionary<string, DataType> Types { get; }

    public IReadOnlySet<string> Initializers { get; }

    /// <summary>Activation tensors to wrap in QuantizeLinear -> DequantizeLinear, in graph order.</summary>
    public List<string> Activations { get; } = [];

    /// <summary>The activations whose ranges are calibrated: all but the outputs of data movers.</summary>
    public IEnumerable<string> Calibrated => Activations.Where(a => !SharedParameters.ContainsKey(a));

    /// <summary>Outputs of data movers (Reshape, Transpose, ...) and the activation whose scale and zero point they reuse.</summary>
    public Dictionary<string, string> SharedParameters { get; } = new(StringComparer.Ordinal);

    public bool IsActivation(string name) => _activationSet.Contains(name);

    /// <summary>Whether the node at <paramref name="index"/> (graph order) is quantised.</summary>
    public bool IsQuantized(int index) => _quantized.Contains(index);

    /// <summary>Why the node at <paramref name="index"/> stays float (quantised ones are described when written).</summary>
    public ManifestNodeDecision? FloatDecision(int index) => _floatDecisions.GetValueOrDefault(index);

    public static QdqGraphPlan Analyse(GraphProto graph, string partName, IReadOnlyList<string> exclude)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var plan = new QdqGraphPlan(ValueTypes.Infer(graph), graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal));
        void AddActivation(string name)
        {
            if (plan._activationSet.Add(name))
                plan.Activations.Add(name);
        }

        for (var index = 0; index < graph.Node.Count; index++)
        {
            var node = graph.Node[index];
            var why = plan.WhyFloat(node, exclude);
            if (why is not null)
            {
                plan._floatDecisions[index] = new ManifestNodeDecision(partName, NodeName(node), node.OpType, false, why);
                continue;
            }

            plan._quantized.Add(index);
            foreach (var i in QdqOperators.DataInputIndices(node))
            {
                if (!plan.Initializers.Contains(node.Input[i]))
                    AddActivation(node.Input[i]);
            }

            var source = node.Input.Count > 0 ? node.Input[0] : "";
            var share = QdqOperators.SharesInputParameters(node) && plan.IsActivation(source);
            foreach (var o in QdqOperators.DataOutputIndices(node))
            {
                AddActivation(node.Output[o]);
                if (share)
                    plan.SharedParameters[node.Output[o]] = plan.SharedParameters.GetValueOrDefault(source, source);
            }
        }

        return plan;
    }

    private string? WhyFloat(NodeProto node, IReadOnlyList<string> exclude)
    {
        if (node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0))
            return "holds a subgraph (If/Loop/Scan): not quantised";
        if (!QdqOperators.IsQuantizable(node.Domain, node.OpType))
        {
            return node.Domain.Length > 0
                ? $"contrib op {node.Domain}:{node.OpType} has no QDQ form for NPU execution providers; kept float"
                : $"{node.OpType} is not in the set of ops quantised in QDQ form; kept float";
        }

        foreach (var pattern in exclude)
        {
            if (FileSystemName.MatchesSimpleExpression(pattern, node.Name) || node.Output.Any(o => FileSystemName.MatchesSimpleExpression(pattern, o))
                || node.Input.Any(i => Initializers.Contains(i) && FileSystemName.MatchesSimpleExpression(pattern, i)))
            {
                return $"matches --exclude '{pattern}'";
            }
        }

        foreach (var name in QdqOperators.DataInputIndices(node).Select(i => node.Input[i]).Concat(QdqOperators.DataOutputIndices(node).Select(o => node.Output[o])))
        {
            if (!Types.TryGetValue(name, out var type))
                return $"the type of '{name}' is unknown (not declared, not inferable); kept float";
            if (type != DataType.Float)
                return $"works on {type} values, not float";
        }

        return null;
    }

    public static string NodeName(NodeProto node) => node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault() ?? node.OpType;
}
