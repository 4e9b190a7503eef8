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

internal static class ModelPartNames
{
    public static string FileStem(this ModelPart part) => part switch
    {
        ModelPart.VisionEncoder => "vision_encoder",
        ModelPart.EmbedTokens => "embed_tokens",
        ModelPart.Decoder => "decoder_model_merged",
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, null),
    };
}
