namespace EdgePali.Quantize.Checkpoints;

/// <summary>
/// Tensor names of Hugging Face PaliGemma checkpoints as published on the Hub (transformers' convert scripts):
/// `vision_tower.vision_model.*`, `multi_modal_projector.linear.*`, `language_model.model.*`.
/// Newer transformers save `model.vision_tower...`/`model.language_model...`; <see cref="Checkpoint"/> maps those here.
/// </summary>
public static class PaliGemmaTensorNames
{
    public const string Vision = "vision_tower.vision_model.";
    public const string PatchEmbeddingWeight = Vision + "embeddings.patch_embedding.weight";
    public const string PatchEmbeddingBias = Vision + "embeddings.patch_embedding.bias";
    public const string PositionEmbedding = Vision + "embeddings.position_embedding.weight";
    public const string PostLayerNormWeight = Vision + "post_layernorm.weight";
    public const string PostLayerNormBias = Vision + "post_layernorm.bias";
    public const string ProjectorWeight = "multi_modal_projector.linear.weight";
    public const string ProjectorBias = "multi_modal_projector.linear.bias";
    public const string Text = "language_model.model.";
    public const string EmbedTokens = Text + "embed_tokens.weight";
    public const string FinalNorm = Text + "norm.weight";
    public const string LmHead = "language_model.lm_head.weight";

    public static string VisionLayer(int layer, string suffix) => $"{Vision}encoder.layers.{layer}.{suffix}";

    public static string TextLayer(int layer, string suffix) => $"{Text}layers.{layer}.{suffix}";

    /// <summary>Maps the newer transformers layout (model.language_model.*, lm_head.weight) to the Hub layout above.</summary>
    public static string Canonical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.StartsWith("model.language_model.", StringComparison.Ordinal))
            return Text + name["model.language_model.".Length..];
        if (name.StartsWith("model.vision_tower.", StringComparison.Ordinal))
            return name["model.".Length..];
        if (name.StartsWith("model.multi_modal_projector.", StringComparison.Ordinal))
            return name["model.".Length..];
        if (name == "lm_head.weight")
            return LmHead;
        return name;
    }
}
