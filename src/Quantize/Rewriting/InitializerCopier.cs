using EdgePali.Quantize.Onnx;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Rewriting;

/// <summary>Copies the source initializers a rewritten graph still uses (including from subgraphs), streaming external ones.</summary>
internal static class InitializerCopier
{
    public static void CopyReferenced(OnnxModelSource source, OnnxGraph graph, GraphProto target, Action<long> bytesDone, CancellationToken cancellationToken)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        CollectInputs(target, used);
        var written = target.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var tensor in source.Model.Graph.Initializer)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bytes = OnnxModelSource.ElementCount(tensor) * OnnxTypes.ByteSize((DataType)tensor.DataType);
            if (!used.Contains(tensor.Name) || written.Contains(tensor.Name))
                continue;
            if (OnnxModelSource.IsExternal(tensor))
            {
                var sink = graph.BeginInitializer(tensor.Name, (DataType)tensor.DataType, [.. tensor.Dims]);
                source.CopyExternalBytes(tensor, sink.Write, cancellationToken);
                sink.Complete();
            }
            else
            {
                graph.AddInlineInitializer(tensor.Clone());
            }

            bytesDone(bytes);
        }
    }

    private static void CollectInputs(GraphProto g, HashSet<string> used)
    {
        foreach (var node in g.Node)
        {
            foreach (var input in node.Input)
                used.Add(input);
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is not null)
                    CollectInputs(attribute.G, used);
                foreach (var sub in attribute.Graphs)
                    CollectInputs(sub, used);
            }
        }

        foreach (var output in g.Output)
            used.Add(output.Name);
    }
}
