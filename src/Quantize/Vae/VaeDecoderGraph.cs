using Google.Protobuf;
using Onnx;

namespace EdgePali.Quantize.Vae;

/// <summary>
/// Builds <c>onnx/vae_decoder.onnx</c>: segmentation codes -> 64x64 masks, the computation of big_vision's
/// reconstruct_masks (evaluators/proj/paligemma/transfers/segmentation.py) in ONNX.
/// <list type="bullet">
/// <item>input <c>codebook_indices</c> int64 [batch, 16], each 0..127 (the &lt;segNNN&gt; numbers in order);</item>
/// <item>output <c>masks</c> float [batch, 64, 64], row-major, in about [-1, 1]; a pixel is inside where &gt; 0.</item>
/// </list>
/// Graph: Gather on the codebook -> [B,16,D] -> reshape row-major to [B,4,4,D] -> NCHW -> 1x1 conv + ReLU ->
/// two residual blocks (3x3, ReLU, 3x3, ReLU, 1x1, + input) -> four ConvTranspose (kernel 4, stride 2,
/// pads 1: PyTorch's ConvTranspose2d(k=4, s=2, p=1), which is what Flax's padding=2 with
/// transpose_kernel=True computes) each + ReLU -> 1x1 conv to one channel -> [B,64,64].
/// PyTorch weight layouts are ONNX's (Conv [out,in,kH,kW], ConvTranspose [in,out,kH,kW]), so weights go in
/// unchanged. Kept local to the VAE: this graph is tiny (8 MB, all float32 initializers inline).
/// </summary>
public static class VaeDecoderGraph
{
    public const string InputName = "codebook_indices";
    public const string OutputName = "masks";
    private const int OpsetVersion = 17;
    private const long IrVersion = 8;

    public static ModelProto Build(VaeDecoderWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var graph = new GraphProto { Name = "paligemma_vae_decoder" };
        graph.Input.Add(TensorInfo(InputName, TensorProto.Types.DataType.Int64, "batch", VaeDecoderWeights.CodesPerMask));
        graph.Output.Add(TensorInfo(OutputName, TensorProto.Types.DataType.Float, "batch", VaeDecoderWeights.MaskSize, VaeDecoderWeights.MaskSize));

        var builder = new Builder(graph, weights);
        var x = builder.Node("Gather", "codes_embedded", [builder.Weight(VaeDecoderWeights.CodebookKey), InputName], Int("axis", 0));
        x = builder.Node("Reshape", "codes_grid", [x, builder.Int64s("grid_shape", -1, 4, 4, weights.EmbeddingDim)]);
        x = builder.Node("Transpose", "codes_nchw", [x], Ints("perm", 0, 3, 1, 2));
        x = builder.Relu(builder.Conv("decoder.0", x, 1));
        foreach (var block in VaeDecoderWeights.ResidualBlocks)
        {
            var h = builder.Relu(builder.Conv($"{block}.0", x, 3));
            h = builder.Relu(builder.Conv($"{block}.2", h, 3));
            h = builder.Conv($"{block}.4", h, 1);
            x = builder.Node("Add", $"{block}.out", [h, x]);
        }

        foreach (var (name, _, _) in VaeDecoderWeights.Upsamplers)
        {
            x = builder.Relu(builder.Node(
                "ConvTranspose", name + ".out", [x, builder.Weight($"{name}.weight"), builder.Weight($"{name}.bias")],
                Ints("kernel_shape", 4, 4), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1)));
        }

        x = builder.Conv("decoder.12", x, 1);
        builder.Node("Reshape", OutputName, [x, builder.Int64s("mask_shape", -1, VaeDecoderWeights.MaskSize, VaeDecoderWeights.MaskSize)]);

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "edgepali-quantize build-vae",
            DocString = $"PaliGemma segmentation VQ-VAE decoder (codebook width {weights.EmbeddingDim}): {InputName} int64 [batch,16] -> {OutputName} float [batch,64,64].",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        return model;
    }

    /// <summary>Reads <paramref name="npzPath"/>, builds the graph and writes it to <paramref name="onnxPath"/>
    /// all-or-nothing (a temporary file renamed into place).</summary>
    public static void Write(string npzPath, string onnxPath)
    {
        var model = Build(VaeDecoderWeights.Load(npzPath));
        var full = Path.GetFullPath(onnxPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + $".partial-{Guid.NewGuid():N}";
        try
        {
            using (var file = File.Create(temp))
                model.WriteTo(file);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static ValueInfoProto TensorInfo(string name, TensorProto.Types.DataType type, string batch, params int[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        foreach (var d in dims)
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    /// <summary>Appends nodes and initializers to one graph.</summary>
    private sealed class Builder(GraphProto graph, VaeDecoderWeights weights)
    {
        public string Weight(string key)
        {
            var array = weights[key];
            var tensor = new TensorProto { Name = key, DataType = (int)TensorProto.Types.DataType.Float };
            tensor.Dims.Add(array.Shape.Select(d => (long)d));
            var bytes = new byte[array.Data.Length * sizeof(float)];
            for (var i = 0; i < array.Data.Length; i++)
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), array.Data[i]);
            tensor.RawData = ByteString.CopyFrom(bytes);
            graph.Initializer.Add(tensor);
            return key;
        }

        public string Int64s(string name, params long[] values)
        {
            var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
            tensor.Dims.Add(values.Length);
            tensor.Int64Data.Add(values);
            graph.Initializer.Add(tensor);
            return name;
        }

        public string Conv(string layer, string input, int kernel)
        {
            var pad = kernel / 2;
            return Node("Conv", layer + ".out", [input, Weight($"{layer}.weight"), Weight($"{layer}.bias")],
                Ints("kernel_shape", kernel, kernel), Ints("pads", pad, pad, pad, pad));
        }

        public string Relu(string input) => Node("Relu", input + ".relu", [input]);

        public string Node(string op, string output, string[] inputs, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = output };
            node.Input.Add(inputs);
            node.Output.Add(output);
            node.Attribute.Add(attributes);
            graph.Node.Add(node);
            return output;
        }
    }
}
