using Google.Protobuf;
using Onnx;

namespace EdgePali.Bench;

/// <summary>
/// The bytes batch-1 decoding must read per generated token: every initializer of the decoder graph (all
/// layers' weights and quantisation scales, the norms and the LM head, which is its own initializer in our
/// packages), since each step multiplies one token's activations by all of them. The KV cache read is left
/// out (a few MB against GBs of weights) and so is the one embedding row per token.
/// Sizes come from the initializers' shapes and types in the ONNX file, not file sizes, so the graph's own
/// bytes don't count. OnnxSharp (ONNX's protobuf classes) reads the file; with external data it is small.
/// </summary>
/// <param name="Bytes">Total initializer bytes.</param>
/// <param name="Initializers">How many initializers.</param>
/// <param name="LargestName">The biggest initializer (usually the LM head or an MLP weight), for the report.</param>
public sealed record DecoderWeightBytes(long Bytes, int Initializers, string LargestName, long LargestBytes)
{
    public static DecoderWeightBytes Read(string onnxPath)
    {
        ArgumentNullException.ThrowIfNull(onnxPath);
        ModelProto model;
        using (var stream = File.OpenRead(onnxPath))
        {
            try
            {
                model = ModelProto.Parser.ParseFrom(stream);
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw new InvalidDataException($"{onnxPath} is not a readable ONNX model ({ex.Message}).", ex);
            }
        }

        long total = 0, largest = 0;
        var count = 0;
        var largestName = "";
        foreach (var tensor in AllInitializers(model.Graph))
        {
            var bytes = SizeOf(tensor);
            total += bytes;
            count++;
            if (bytes > largest)
            {
                largest = bytes;
                largestName = tensor.Name;
            }
        }

        return new DecoderWeightBytes(total, count, largestName, largest);
    }

    /// <summary>Initializers of the graph and of any sub-graph (If/Loop bodies, as in some merged decoders).</summary>
    private static IEnumerable<TensorProto> AllInitializers(GraphProto graph)
    {
        foreach (var t in graph.Initializer)
        {
            yield return t;
        }

        foreach (var node in graph.Node)
        {
            foreach (var attribute in node.Attribute)
            {
                var subgraphs = attribute.G is null ? attribute.Graphs : attribute.Graphs.Append(attribute.G);
                foreach (var sub in subgraphs)
                {
                    foreach (var t in AllInitializers(sub))
                    {
                        yield return t;
                    }
                }
            }
        }
    }

    private static long SizeOf(TensorProto tensor)
    {
        long elements = 1;
        foreach (var d in tensor.Dims)
        {
            elements *= d;
        }

        return (TensorProto.Types.DataType)tensor.DataType switch
        {
            TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => elements * 4,
            TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64 => elements * 8,
            TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 or TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16 => elements * 2,
            TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Bool => elements,
            // INT4/UINT4 (22, 23) pack two values per byte.
            (TensorProto.Types.DataType)22 or (TensorProto.Types.DataType)23 => (elements + 1) / 2,
            _ => elements * 4,
        };
    }
}
