using EdgePali.Quantize.Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

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
/// unchanged. Written with the builder's <see cref="OnnxGraph"/>, so the weights sit in
/// <c>vae_decoder.onnx_data</c> beside the graph like every other model in the package.
/// </summary>
public static class VaeDecoderGraph
{
    public const string InputName = "codebook_indices";
    public const string OutputName = "masks";

    /// <summary>Reads <paramref name="npzPath"/> and writes the decoder to <paramref name="onnxPath"/>.</summary>
    /// <exception cref="InvalidDataException">The weights are not a PaliGemma VQ-VAE; the message names the array.</exception>
    public static void Write(string npzPath, string onnxPath) => Write(VaeDecoderWeights.Load(npzPath), onnxPath);

    /// <summary>Writes the decoder to <paramref name="onnxPath"/> (plus its <c>_data</c> file) all-or-nothing:
    /// built in a temporary folder beside it, then moved into place, the graph last.</summary>
    public static void Write(VaeDecoderWeights weights, string onnxPath)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var target = Path.GetFullPath(onnxPath);
        var folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(target)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var built = Path.Combine(temp, Path.GetFileName(target));
            using (var graph = new OnnxGraph(built, "paligemma_vae_decoder"))
            {
                AddNodes(graph, weights);
                graph.Save();
            }

            File.Move(built + "_data", target + "_data", overwrite: true);
            File.Move(built, target, overwrite: true);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static void AddNodes(OnnxGraph g, VaeDecoderWeights weights)
    {
        const int Mask = VaeDecoderWeights.MaskSize;
        g.Input(InputName, DataType.Int64, "batch", VaeDecoderWeights.CodesPerMask);

        string Weight(string key) => g.Floats(key, weights[key].Shape.Select(d => (long)d).ToArray(), weights[key].Data);

        string Conv(string layer, string input, int kernel)
        {
            var pad = kernel / 2;
            return g.Op("Conv", [input, Weight($"{layer}.weight"), Weight($"{layer}.bias")],
                OnnxGraph.Attr("kernel_shape", [kernel, kernel]), OnnxGraph.Attr("pads", [pad, pad, pad, pad]));
        }

        var x = g.Op("Gather", [Weight(VaeDecoderWeights.CodebookKey), InputName], OnnxGraph.Attr("axis", 0L));
        x = g.Op("Reshape", x, g.Int64s("grid_shape", -1, 4, 4, weights.EmbeddingDim));
        x = g.Op("Transpose", [x], OnnxGraph.Attr("perm", [0, 3, 1, 2]));
        x = g.Op("Relu", Conv("decoder.0", x, 1));
        foreach (var block in VaeDecoderWeights.ResidualBlocks)
        {
            var h = g.Op("Relu", Conv($"{block}.0", x, 3));
            h = g.Op("Relu", Conv($"{block}.2", h, 3));
            x = g.Op("Add", Conv($"{block}.4", h, 1), x);
        }

        foreach (var (name, _, _) in VaeDecoderWeights.Upsamplers)
        {
            x = g.Op("ConvTranspose", [x, Weight($"{name}.weight"), Weight($"{name}.bias")],
                OnnxGraph.Attr("kernel_shape", [4, 4]), OnnxGraph.Attr("strides", [2, 2]), OnnxGraph.Attr("pads", [1, 1, 1, 1]));
            x = g.Op("Relu", x);
        }

        x = g.Op("Reshape", Conv("decoder.12", x, 1), g.Int64s("mask_shape", -1, Mask, Mask));
        g.Output(x, OutputName, DataType.Float, "batch", Mask, Mask);
    }
}
