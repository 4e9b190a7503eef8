namespace EdgePali.Vision.Packages;

/// <summary>The ONNX graphs a PaliGemma package is split into (transformers.js layout).</summary>
public enum ModelPart
{
    /// <summary>onnx/vision_encoder*.onnx: pixel_values -> image_features (SigLIP + projector).</summary>
    VisionEncoder,

    /// <summary>onnx/embed_tokens*.onnx: input_ids -> inputs_embeds.</summary>
    EmbedTokens,

    /// <summary>onnx/decoder_model_merged*.onnx: inputs_embeds, position_ids, past key/values -> logits, present key/values.</summary>
    Decoder,
}

/// <summary>
/// The name of each <see cref="ModelPart"/> as file stem, graph name and manifest "part" value: the names
/// transformers.js looks for, so a package built here loads there too.
/// </summary>
public static class ModelPartNames
{
    /// <summary>The vision tower and projector.</summary>
    public const string VisionEncoder = "vision_encoder";

    /// <summary>The token-embedding lookup.</summary>
    public const string EmbedTokens = "embed_tokens";

    /// <summary>The decoder with its key/value cache ("merged": one graph for prefill and decode steps).</summary>
    public const string Decoder = "decoder_model_merged";

    /// <summary>The file stem of <paramref name="part"/>, e.g. "vision_encoder" for onnx/vision_encoder_int8.onnx.</summary>
    public static string FileStem(this ModelPart part) => part switch
    {
        ModelPart.VisionEncoder => VisionEncoder,
        ModelPart.EmbedTokens => EmbedTokens,
        ModelPart.Decoder => Decoder,
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, null),
    };
}
