using EdgePali.Quantize.Checkpoints;
using EdgePali.Quantize.Onnx;
using static EdgePali.Quantize.Checkpoints.PaliGemmaTensorNames;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Builders;

/// <summary>
/// vision_encoder: pixel_values float [B, 3, S, S] -> image_features [B, N, D]: SigLIP (patch conv + learned
/// positions, pre-LN blocks, post LayerNorm), the linear projector, then / sqrt(D) as HF get_image_features does
/// (the decoder multiplies every input embedding by sqrt(D), so image features enter it unscaled).
/// </summary>
internal static class VisionEncoderBuilder
{
    public static void Build(WeightWriter w, Checkpoint checkpoint)
    {
        var g = w.Graph;
        var v = checkpoint.Config.Vision;
        var d = v.HiddenSize;
        var pixels = g.Input("pixel_values", DataType.Float, "batch_size", 3, v.ImageSize, v.ImageSize);

        var conv = g.Node(
            "Conv",
            [pixels, w.Constant(checkpoint.Tensor(PatchEmbeddingWeight, d, 3, v.PatchSize, v.PatchSize)), w.Constant(checkpoint.Tensor(PatchEmbeddingBias, d))],
            null,
            "",
            OnnxGraph.Attr("kernel_shape", [(long)v.PatchSize, v.PatchSize]),
            OnnxGraph.Attr("strides", [(long)v.PatchSize, v.PatchSize]));
        var patches = g.Op("Transpose", [g.Op("Reshape", conv, g.Int64s("shape_patches", 0, d, -1))], OnnxGraph.Attr("perm", [0L, 2, 1]));
        var h = g.Op("Add", patches, w.Constant(checkpoint.Tensor(PositionEmbedding, v.ImageTokens, d)));

        var scale = g.Scalar("attn_scale", 1f / MathF.Sqrt(v.HeadDim));
        for (var i = 0; i < v.Layers; i++)
        {
            CheckpointTensor T(string suffix, params long[] shape) => checkpoint.Tensor(VisionLayer(i, suffix), shape);
            var n = TransformerOps.LayerNorm(g, h, w.Constant(T("layer_norm1.weight", d)), w.Constant(T("layer_norm1.bias", d)), v.LayerNormEps);
            var qkv = w.Linear(
                n,
                $"vision.{i}.qkv",
                [T("self_attn.q_proj.weight", d, d), T("self_attn.k_proj.weight", d, d), T("self_attn.v_proj.weight", d, d)],
                [T("self_attn.q_proj.bias", d), T("self_attn.k_proj.bias", d), T("self_attn.v_proj.bias", d)]);
            var (q, k, val) = (g.Name("q"), g.Name("k"), g.Name("v"));
            g.NodeMulti("Split", [qkv, g.Int64s("split_qkv", d, d, d)], [q, k, val], "", OnnxGraph.Attr("axis", -1L));
            var qh = g.Op("Mul", TransformerOps.SplitHeads(g, q, v.Heads, v.HeadDim), scale);
            var kh = TransformerOps.SplitHeads(g, k, v.Heads, v.HeadDim);
            var vh = TransformerOps.SplitHeads(g, val, v.Heads, v.HeadDim);
            var scores = g.Op("MatMul", qh, g.Op("Transpose", [kh], OnnxGraph.Attr("perm", [0L, 1, 3, 2])));
            var probs = g.Op("Softmax", [scores], OnnxGraph.Attr("axis", -1L));
            var attn = TransformerOps.MergeHeads(g, g.Op("MatMul", probs, vh), v.Heads, v.HeadDim);
            var o = w.Linear(attn, $"vision.{i}.out_proj", [T("self_attn.out_proj.weight", d, d)], [T("self_attn.out_proj.bias", d)]);
            h = g.Op("Add", h, o);

            n = TransformerOps.LayerNorm(g, h, w.Constant(T("layer_norm2.weight", d)), w.Constant(T("layer_norm2.bias", d)), v.LayerNormEps);
            var up = w.Linear(n, $"vision.{i}.fc1", [T("mlp.fc1.weight", v.IntermediateSize, d)], [T("mlp.fc1.bias", v.IntermediateSize)]);
            var down = w.Linear(TransformerOps.GeluTanh(g, up), $"vision.{i}.fc2", [T("mlp.fc2.weight", d, v.IntermediateSize)], [T("mlp.fc2.bias", d)]);
            h = g.Op("Add", h, down);
        }

        h = TransformerOps.LayerNorm(g, h, w.Constant(checkpoint.Tensor(PostLayerNormWeight, d)), w.Constant(checkpoint.Tensor(PostLayerNormBias, d)), v.LayerNormEps);
        var textD = checkpoint.Config.Text.HiddenSize;
        var projected = w.Linear(h, "multi_modal_projector", [checkpoint.Tensor(ProjectorWeight, textD, d)], [checkpoint.Tensor(ProjectorBias, textD)]);
        var features = g.Op("Mul", projected, g.Scalar("inv_sqrt_hidden", 1f / MathF.Sqrt(textD)));
        g.Output(features, "image_features", DataType.Float, "batch_size", v.ImageTokens, textD);
    }
}
