using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Checkpoints;

/// <summary>What a tensor is, which decides how test checkpoints initialise it.</summary>
public enum TensorRole
{
    Linear,
    Bias,
    LayerNormWeight,
    RmsNormWeight,
    TokenEmbedding,
    PositionEmbedding,
    PatchConvolution,
}

/// <summary>One tensor a PaliGemma checkpoint must hold, with the shape its config implies.</summary>
public sealed record ExpectedTensor(string Name, long[] Shape, TensorRole Role)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>The complete list of tensors (Hub names, shapes) implied by a <see cref="PaliGemmaConfig"/>.</summary>
public static class PaliGemmaTensorLayout
{
    public static IReadOnlyList<ExpectedTensor> Expected(PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var list = new List<ExpectedTensor>();
        var v = config.Vision;
        var t = config.Text;
        void Add(string name, TensorRole role, params long[] shape) => list.Add(new ExpectedTensor(name, shape, role));

        Add(PaliGemmaTensorNames.PatchEmbeddingWeight, TensorRole.PatchConvolution, v.HiddenSize, 3, v.PatchSize, v.PatchSize);
        Add(PaliGemmaTensorNames.PatchEmbeddingBias, TensorRole.Bias, v.HiddenSize);
        Add(PaliGemmaTensorNames.PositionEmbedding, TensorRole.PositionEmbedding, v.ImageTokenCount, v.HiddenSize);
        for (var i = 0; i < v.LayerCount; i++)
        {
            string L(string s) => PaliGemmaTensorNames.VisionLayer(i, s);
            Add(L("layer_norm1.weight"), TensorRole.LayerNormWeight, v.HiddenSize);
            Add(L("layer_norm1.bias"), TensorRole.Bias, v.HiddenSize);
            foreach (var p in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                Add(L($"self_attn.{p}.weight"), TensorRole.Linear, v.HiddenSize, v.HiddenSize);
                Add(L($"self_attn.{p}.bias"), TensorRole.Bias, v.HiddenSize);
            }

            Add(L("layer_norm2.weight"), TensorRole.LayerNormWeight, v.HiddenSize);
            Add(L("layer_norm2.bias"), TensorRole.Bias, v.HiddenSize);
            Add(L("mlp.fc1.weight"), TensorRole.Linear, v.IntermediateSize, v.HiddenSize);
            Add(L("mlp.fc1.bias"), TensorRole.Bias, v.IntermediateSize);
            Add(L("mlp.fc2.weight"), TensorRole.Linear, v.HiddenSize, v.IntermediateSize);
            Add(L("mlp.fc2.bias"), TensorRole.Bias, v.HiddenSize);
        }

        Add(PaliGemmaTensorNames.PostLayerNormWeight, TensorRole.LayerNormWeight, v.HiddenSize);
        Add(PaliGemmaTensorNames.PostLayerNormBias, TensorRole.Bias, v.HiddenSize);
        Add(PaliGemmaTensorNames.ProjectorWeight, TensorRole.Linear, config.ProjectionDim, v.HiddenSize);
        Add(PaliGemmaTensorNames.ProjectorBias, TensorRole.Bias, config.ProjectionDim);

        Add(PaliGemmaTensorNames.EmbedTokens, TensorRole.TokenEmbedding, t.VocabSize, t.HiddenSize);
        for (var i = 0; i < t.LayerCount; i++)
        {
            string L(string s) => PaliGemmaTensorNames.TextLayer(i, s);
            Add(L("input_layernorm.weight"), TensorRole.RmsNormWeight, t.HiddenSize);
            Add(L("self_attn.q_proj.weight"), TensorRole.Linear, t.AttentionHeads * t.HeadDim, t.HiddenSize);
            Add(L("self_attn.k_proj.weight"), TensorRole.Linear, t.KeyValueHeads * t.HeadDim, t.HiddenSize);
            Add(L("self_attn.v_proj.weight"), TensorRole.Linear, t.KeyValueHeads * t.HeadDim, t.HiddenSize);
            Add(L("self_attn.o_proj.weight"), TensorRole.Linear, t.HiddenSize, t.AttentionHeads * t.HeadDim);
            Add(L("post_attention_layernorm.weight"), TensorRole.RmsNormWeight, t.HiddenSize);
            if (t.IsGemma2)
            {
                Add(L("pre_feedforward_layernorm.weight"), TensorRole.RmsNormWeight, t.HiddenSize);
                Add(L("post_feedforward_layernorm.weight"), TensorRole.RmsNormWeight, t.HiddenSize);
            }

            Add(L("mlp.gate_proj.weight"), TensorRole.Linear, t.IntermediateSize, t.HiddenSize);
            Add(L("mlp.up_proj.weight"), TensorRole.Linear, t.IntermediateSize, t.HiddenSize);
            Add(L("mlp.down_proj.weight"), TensorRole.Linear, t.HiddenSize, t.IntermediateSize);
        }

        Add(PaliGemmaTensorNames.FinalNorm, TensorRole.RmsNormWeight, t.HiddenSize);
        return list;
    }
}
