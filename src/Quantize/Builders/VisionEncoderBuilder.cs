using EdgePali.Quantize.Checkpoints;
using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Quantization;
using EdgePali.Vision.Packages;
using static EdgePali.Quantize.Checkpoints.PaliGemmaTensorNames;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Builders;

/// <summary>
/// vision_encoder: pixel_values float [B, 3, S, S] -> image_features [B, N, D]: SigLIP (patch conv + learned
/// positions, pre-LN blocks, post LayerNorm), the linear projector, then / sqrt(D) as HF get_image_features does
/// (the decoder multiplies every input embedding by sqrt(D), so image features enter it unscaled).
/// <see cref="GraphLayout.Fused"/> writes the same blocks with ORT's contrib ops: MultiHeadAttention (no mask: every
/// patch attends to every patch; the QKV bias added inside), SkipLayerNormalization (residual add + the previous
/// projection's bias + LayerNorm in one op) and FastGelu (bias + tanh GELU).
/// </summary>
internal static class VisionEncoderBuilder
{
    private static readonly string[] QkvProjections = ["q_proj", "k_proj", "v_proj"];

    public static void Build(WeightWriter w, Checkpoint checkpoint, GraphLayout layout = GraphLayout.Standard)
    {
        var g = w.Graph;
        var v = checkpoint.Config.Vision;
        var d = v.HiddenSize;
        var pixels = g.Input(GraphTensorNames.PixelValues, DataType.Float, "batch_size", 3, v.ImageSize, v.ImageSize);

        var conv = g.Node(
            "Conv",
            [pixels, w.Constant(checkpoint.Tensor(PatchEmbeddingWeight, d, 3, v.PatchSize, v.PatchSize)), w.Constant(checkpoint.Tensor(PatchEmbeddingBias, d))],
            null,
            "",
            OnnxGraph.Attr("kernel_shape", [(long)v.PatchSize, v.PatchSize]),
            OnnxGraph.Attr("strides", [(long)v.PatchSize, v.PatchSize]));
        var patches = g.Op("Transpose", [g.Op("Reshape", conv, g.Int64s("shape_patches", 0, d, -1))], OnnxGraph.Attr("perm", [0L, 2, 1]));
        var h = g.Op("Add", patches, w.Constant(checkpoint.Tensor(PositionEmbedding, v.ImageTokenCount, d)));
        h = layout == GraphLayout.Fused ? FusedLayers(w, checkpoint, h) : StandardLayers(w, checkpoint, h);

        var textD = checkpoint.Config.Text.HiddenSize;
        var projected = w.Linear(h, "multi_modal_projector", new LinearScope(LinearPart.Projector), [checkpoint.Tensor(ProjectorWeight, textD, d)], [checkpoint.Tensor(ProjectorBias, textD)]);
        var features = g.Op("Mul", projected, g.Scalar("inv_sqrt_hidden", 1f / MathF.Sqrt(textD)));
        g.Output(features, GraphTensorNames.ImageFeatures, DataType.Float, "batch_size", v.ImageTokenCount, textD);
    }

    private static LinearScope Attention(int layer) => new(LinearPart.Vision, layer, LinearKind.Attention);

    private static LinearScope Mlp(int layer) => new(LinearPart.Vision, layer, LinearKind.Mlp);

    /// <summary>LayerNorm with the checkpoint's weight and bias; its per-channel gains go to the w8a8 smoothing.</summary>
    private static string LayerNorm(WeightWriter w, string x, CheckpointTensor weight, CheckpointTensor bias, float eps)
    {
        var normalized = TransformerOps.LayerNorm(w.Graph, x, w.Constant(weight, out var gamma), w.Constant(bias, out var beta), eps);
        w.NoteNormGains(normalized, gamma, beta);
        return normalized;
    }

    /// <summary>The encoder blocks and post LayerNorm with standard ops.</summary>
    private static string StandardLayers(WeightWriter w, Checkpoint checkpoint, string h)
    {
        var g = w.Graph;
        var v = checkpoint.Config.Vision;
        var d = v.HiddenSize;
        var scale = g.Scalar("attn_scale", 1f / MathF.Sqrt(v.HeadDim));
        for (var i = 0; i < v.LayerCount; i++)
        {
            CheckpointTensor T(string suffix, params long[] shape) => checkpoint.Tensor(VisionLayer(i, suffix), shape);
            var n = LayerNorm(w, h, T("layer_norm1.weight", d), T("layer_norm1.bias", d), v.LayerNormEps);
            var qkv = w.Linear(n, $"vision.{i}.qkv", Attention(i), QkvWeights(checkpoint, i), QkvBiases(checkpoint, i));
            var (q, k, val) = (g.Name("q"), g.Name("k"), g.Name("v"));
            g.NodeMulti("Split", [qkv, g.Int64s("split_qkv", d, d, d)], [q, k, val], "", OnnxGraph.Attr("axis", -1L));
            var qh = g.Op("Mul", TransformerOps.SplitHeads(g, q, v.AttentionHeads, v.HeadDim), scale);
            var kh = TransformerOps.SplitHeads(g, k, v.AttentionHeads, v.HeadDim);
            var vh = TransformerOps.SplitHeads(g, val, v.AttentionHeads, v.HeadDim);
            var scores = g.Op("MatMul", qh, g.Op("Transpose", [kh], OnnxGraph.Attr("perm", [0L, 1, 3, 2])));
            var probs = g.Op("Softmax", [scores], OnnxGraph.Attr("axis", -1L));
            var attn = TransformerOps.MergeHeads(g, g.Op("MatMul", probs, vh), v.AttentionHeads, v.HeadDim);
            var o = w.Linear(attn, $"vision.{i}.out_proj", Attention(i), [T("self_attn.out_proj.weight", d, d)], [T("self_attn.out_proj.bias", d)]);
            h = g.Op("Add", h, o);

            n = LayerNorm(w, h, T("layer_norm2.weight", d), T("layer_norm2.bias", d), v.LayerNormEps);
            var up = w.Linear(n, $"vision.{i}.fc1", Mlp(i), [T("mlp.fc1.weight", v.IntermediateSize, d)], [T("mlp.fc1.bias", v.IntermediateSize)]);
            var down = w.Linear(TransformerOps.GeluTanh(g, up), $"vision.{i}.fc2", Mlp(i), [T("mlp.fc2.weight", d, v.IntermediateSize)], [T("mlp.fc2.bias", d)]);
            h = g.Op("Add", h, down);
        }

        return LayerNorm(w, h, checkpoint.Tensor(PostLayerNormWeight, d), checkpoint.Tensor(PostLayerNormBias, d), v.LayerNormEps);
    }

    /// <summary>
    /// The encoder blocks with contrib ops. A projection's output bias is not added where it is computed but handed
    /// to the SkipLayerNormalization that adds the residual (its output 3 is input + skip + bias, the new residual).
    /// </summary>
    private static string FusedLayers(WeightWriter w, Checkpoint checkpoint, string h)
    {
        var g = w.Graph;
        var v = checkpoint.Config.Vision;
        var d = v.HiddenSize;
        (string Normalized, string Sum) SkipNorm(string x, string residual, string bias, CheckpointTensor weight, CheckpointTensor beta)
        {
            var (normalized, sum) = (g.Name("skip_norm"), g.Name("residual"));
            g.NodeMulti(
                "SkipLayerNormalization",
                [x, residual, w.Constant(weight, out var gammaValues), w.Constant(beta, out var betaValues), bias],
                [normalized, "", "", sum],
                OnnxGraph.MicrosoftDomain,
                OnnxGraph.Attr("epsilon", v.LayerNormEps));
            w.NoteNormGains(normalized, gammaValues, betaValues);
            return (normalized, sum);
        }

        (string X, string Bias)? pending = null;
        for (var i = 0; i < v.LayerCount; i++)
        {
            CheckpointTensor T(string suffix, params long[] shape) => checkpoint.Tensor(VisionLayer(i, suffix), shape);
            string n;
            if (pending is { } p)
                (n, h) = SkipNorm(p.X, h, p.Bias, T("layer_norm1.weight", d), T("layer_norm1.bias", d));
            else
                n = LayerNorm(w, h, T("layer_norm1.weight", d), T("layer_norm1.bias", d), v.LayerNormEps);

            var qkv = w.LinearWithoutBias(n, $"vision.{i}.qkv", Attention(i), QkvWeights(checkpoint, i));
            var qkvBias = w.Bias($"vision.{i}.qkv", QkvBiases(checkpoint, i));
            var (q, k, val) = (g.Name("q"), g.Name("k"), g.Name("v"));
            g.NodeMulti("Split", [qkv, g.Int64s("split_qkv", d, d, d)], [q, k, val], "", OnnxGraph.Attr("axis", -1L));
            var attn = g.Node(
                "MultiHeadAttention",
                [q, k, val, qkvBias],
                null,
                OnnxGraph.MicrosoftDomain,
                OnnxGraph.Attr("num_heads", (long)v.AttentionHeads),
                OnnxGraph.Attr("scale", 1f / MathF.Sqrt(v.HeadDim)));
            var o = w.LinearWithoutBias(attn, $"vision.{i}.out_proj", Attention(i), [T("self_attn.out_proj.weight", d, d)]);
            (n, h) = SkipNorm(o, h, w.Bias($"vision.{i}.out_proj", [T("self_attn.out_proj.bias", d)]), T("layer_norm2.weight", d), T("layer_norm2.bias", d));

            var up = w.LinearWithoutBias(n, $"vision.{i}.fc1", Mlp(i), [T("mlp.fc1.weight", v.IntermediateSize, d)]);
            var gelu = g.Node("FastGelu", [up, w.Bias($"vision.{i}.fc1", [T("mlp.fc1.bias", v.IntermediateSize)])], null, OnnxGraph.MicrosoftDomain);
            var down = w.LinearWithoutBias(gelu, $"vision.{i}.fc2", Mlp(i), [T("mlp.fc2.weight", d, v.IntermediateSize)]);
            pending = (down, w.Bias($"vision.{i}.fc2", [T("mlp.fc2.bias", d)]));
        }

        return SkipNorm(pending!.Value.X, h, pending.Value.Bias, checkpoint.Tensor(PostLayerNormWeight, d), checkpoint.Tensor(PostLayerNormBias, d)).Normalized;
    }

    private static CheckpointTensor[] QkvWeights(Checkpoint checkpoint, int layer)
    {
        var d = checkpoint.Config.Vision.HiddenSize;
        return [.. QkvProjections.Select(p => checkpoint.Tensor(VisionLayer(layer, $"self_attn.{p}.weight"), d, d))];
    }

    private static CheckpointTensor[] QkvBiases(Checkpoint checkpoint, int layer)
    {
        var d = checkpoint.Config.Vision.HiddenSize;
        return [.. QkvProjections.Select(p => checkpoint.Tensor(VisionLayer(layer, $"self_attn.{p}.bias"), d))];
    }
}
