using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>
/// Element types of every value in a graph, propagated forward from inputs, initializers and value_info with a
/// few op rules (Shape gives int64, Cast its target, comparisons bool, the rest their first typed input). Enough
/// to tell float activations from shape arithmetic without ONNX shape inference, which has no C# implementation.
/// </summary>
internal static class ValueTypes
{
    public static Dictionary<string, DataType> Infer(GraphProto graph)
    {
        var types = new Dictionary<string, DataType>(StringComparer.Ordinal);
        foreach (var value in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
        {
            if (value.Type?.TensorType is { } tensor)
                types[value.Name] = (DataType)tensor.ElemType;
        }

        foreach (var tensor in graph.Initializer)
            types[tensor.Name] = (DataType)tensor.DataType;
        foreach (var node in graph.Node)
        {
            var type = OutputType(node, types);
            if (type is not DataType t)
                continue;
            foreach (var output in node.Output)
            {
                if (output.Length > 0)
                    types.TryAdd(output, t);
            }
        }

        return types;
    }

    private static DataType? OutputType(NodeProto node, Dictionary<string, DataType> types)
    {
        if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
            return FirstInputType(node, types);
        switch (node.OpType)
        {
            case "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin":
                return DataType.Int64;
            case "Cast":
                return (DataType?)node.Attribute.FirstOrDefault(a => a.Name == "to")?.I;
            case "CastLike":
                return node.Input.Count > 1 && types.TryGetValue(node.Input[1], out var like) ? like : null;
            case "Equal" or "Less" or "LessOrEqual" or "Greater" or "GreaterOrEqual" or "Not" or "And" or "Or" or "Xor" or "IsNaN" or "IsInf":
                return DataType.Bool;
            case "Where":
                return node.Input.Count > 1 && types.TryGetValue(node.Input[1], out var chosen) ? chosen : null;
            case "Constant":
                var attribute = node.Attribute.FirstOrDefault();
                return attribute?.Name switch
                {
                    "value" => (DataType)attribute.T.DataType,
                    "value_float" or "value_floats" => DataType.Float,
                    "value_int" or "value_ints" => DataType.Int64,
                    _ => null,
                };
            case "ConstantOfShape":
                var fill = node.Attribute.FirstOrDefault(a => a.Name == "value");
                return fill is null ? DataType.Float : (DataType)fill.T.DataType;
            default:
                return FirstInputType(node, types);
        }
    }

    private static DataType? FirstInputType(NodeProto node, Dictionary<string, DataType> types)
    {
        foreach (var input in node.Input)
        {
            if (input.Length > 0 && types.TryGetValue(input, out var t))
                return t;
        }

        return null;
    }
}
