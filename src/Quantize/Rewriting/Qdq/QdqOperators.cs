using Onnx;

namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>
/// The ONNX operators that get QuantizeLinear/DequantizeLinear around them, and which of their inputs and outputs
/// carry data (shape, axes and index inputs are never quantised). These are ops QNN HTP and ORT's QDQ transformers
/// handle in quantised form; anything else (including com.microsoft contrib ops) stays float, with the reason recorded.
/// </summary>
internal static class QdqOperators
{
    private static readonly int[] First = [0];
    private static readonly int[] FirstTwo = [0, 1];
    private static readonly int[] FirstThree = [0, 1, 2];

    /// <summary>Data inputs by op type; null means every input.</summary>
    private static readonly Dictionary<string, int[]?> DataInputs = new(StringComparer.Ordinal)
    {
        ["MatMul"] = FirstTwo,
        ["Gemm"] = FirstThree,
        ["Conv"] = FirstThree,
        ["Add"] = FirstTwo,
        ["Sub"] = FirstTwo,
        ["Mul"] = FirstTwo,
        ["Div"] = FirstTwo,
        ["LayerNormalization"] = FirstThree,
        ["Softmax"] = First,
        ["Gelu"] = First,
        ["Tanh"] = First,
        ["Sigmoid"] = First,
        ["Relu"] = First,
        ["Erf"] = First,
        ["Neg"] = First,
        ["Sqrt"] = First,
        ["ReduceMean"] = First,
        ["Transpose"] = First,
        ["Reshape"] = First,
        ["Flatten"] = First,
        ["Squeeze"] = First,
        ["Unsqueeze"] = First,
        ["Slice"] = First,
        ["Split"] = First,
        ["Gather"] = First,
        ["Identity"] = First,
        ["Resize"] = First,
        ["AveragePool"] = First,
        ["MaxPool"] = First,
        ["GlobalAveragePool"] = First,
        ["Clip"] = First,
        ["Concat"] = null,
    };

    /// <summary>
    /// Ops that only move or select values: their outputs take the scale and zero point of their data input (as
    /// ORT's QDQ quantiser writes them, and as QNN expects of Reshape/Transpose), so they need no calibration.
    /// </summary>
    private static readonly HashSet<string> DataMovers = new(StringComparer.Ordinal)
    {
        "Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Slice", "Split", "Gather", "Identity", "Resize", "MaxPool",
    };

    public static bool IsQuantizable(string domain, string op) => domain.Length == 0 && DataInputs.ContainsKey(op);

    public static bool SharesInputParameters(NodeProto node) => DataMovers.Contains(node.OpType);

    /// <summary>Indices of the inputs that carry data (present ones only).</summary>
    public static IEnumerable<int> DataInputIndices(NodeProto node)
    {
        var indices = DataInputs[node.OpType];
        for (var i = 0; i < node.Input.Count; i++)
        {
            if (node.Input[i].Length > 0 && (indices is null || indices.Contains(i)))
                yield return i;
        }
    }

    /// <summary>Indices of the outputs that carry data: LayerNormalization's optional mean and inverse deviation do not.</summary>
    public static IEnumerable<int> DataOutputIndices(NodeProto node)
    {
        var count = node.OpType == "LayerNormalization" ? 1 : node.Output.Count;
        for (var i = 0; i < count; i++)
        {
            if (node.Output[i].Length > 0)
                yield return i;
        }
    }

    /// <summary>Which weight role an initializer input plays: a weight matrix/kernel, a bias (int32), or another constant.</summary>
    public static ConstantRole RoleOf(NodeProto node, int input) => (node.OpType, input) switch
    {
        ("MatMul", 1) or ("Gemm", 1) or ("Conv", 1) => ConstantRole.Weight,
        ("Gemm", 2) or ("Conv", 2) => ConstantRole.Bias,
        _ => ConstantRole.Other,
    };
}

/// <summary>How a constant input of a quantised node is stored.</summary>
internal enum ConstantRole
{
    /// <summary>--weights type, symmetric for int8, optionally one scale per output channel.</summary>
    Weight,

    /// <summary>int32 with scale = input scale x weight scale and zero point 0.</summary>
    Bias,

    /// <summary>Any other float constant (biases added with Add, norm gains, positions, scalars): activation type, own range.</summary>
    Other,
}
