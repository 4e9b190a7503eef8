namespace EdgePali.Vision.Packages;

/// <summary>PaliGemma generation 1 (Gemma decoder) or 2 (Gemma 2 decoder).</summary>
public enum PaliGemmaFamily
{
    /// <summary>PaliGemma 1: a Gemma decoder (text_config.model_type "gemma").</summary>
    PaliGemma1 = 1,

    /// <summary>PaliGemma 2: a Gemma 2 decoder with soft-capping and extra norms (text_config.model_type "gemma2").</summary>
    PaliGemma2 = 2,
}

/// <summary>
/// A PaliGemma checkpoint's or package's configuration: config.json, preprocessor_config.json and
/// generation_config.json as one record. <see cref="PaliGemmaConfigReader"/> is the only reader and
/// <see cref="PaliGemmaConfigWriter"/> the only writer, so the engine, the builder and the quantiser agree on
/// every default.
/// </summary>
/// <param name="Text">The language model.</param>
/// <param name="Vision">The SigLIP image encoder.</param>
/// <param name="ProjectionDim">Width the projector maps image features to; equals the decoder's hidden size in every PaliGemma.</param>
/// <param name="Preprocessor">How frames become pixel_values.</param>
/// <param name="ImageTokenId">The &lt;image&gt; placeholder id (257152).</param>
/// <param name="BosTokenId">Beginning-of-sequence id (2).</param>
/// <param name="EosTokenIds">Ids that end generation (1 for PaliGemma; 1 and 107 for PaliGemma 2).</param>
public sealed record PaliGemmaConfig(
    TextConfig Text,
    VisionConfig Vision,
    int ProjectionDim,
    PreprocessorConfig Preprocessor,
    int ImageTokenId,
    int BosTokenId,
    IReadOnlyList<int> EosTokenIds)
{
    /// <summary>PaliGemma 1 or 2, from the decoder type.</summary>
    public PaliGemmaFamily Family => Text.Family;

    /// <summary>Image tokens per image: (image_size / patch_size)^2, e.g. 256 at 224 px.</summary>
    public int ImageTokenCount => Vision.ImageTokenCount;

    /// <summary>
    /// A configuration as the PaliGemma checkpoints ship it, for the given towers: SigLIP preprocessing at the
    /// vision tower's size, projection to the decoder width, the standard token ids and the family's eos ids.
    /// </summary>
    public static PaliGemmaConfig Create(TextConfig text, VisionConfig vision)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(vision);
        return new PaliGemmaConfig(
            text,
            vision,
            text.HiddenSize,
            PreprocessorConfig.Siglip(vision.ImageSize),
            PaliGemmaTokens.Image,
            PaliGemmaTokens.Bos,
            text.Family == PaliGemmaFamily.PaliGemma2 ? [PaliGemmaTokens.Eos, PaliGemmaTokens.EndOfTurn] : [PaliGemmaTokens.Eos]);
    }
}

/// <summary>
/// The Gemma (PaliGemma 1) or Gemma 2 (PaliGemma 2) decoder, as in config.json's text_config. The hidden size
/// is text_config's: PaliGemma 2 configs carry a stale top-level one.
/// </summary>
/// <param name="Family">Which decoder: Gemma for PaliGemma 1, Gemma 2 for PaliGemma 2.</param>
/// <param name="HiddenSize">Width of the residual stream (text_config.hidden_size).</param>
/// <param name="IntermediateSize">Width of the GeGLU MLP.</param>
/// <param name="LayerCount">Decoder blocks (num_hidden_layers).</param>
/// <param name="AttentionHeads">Query heads (num_attention_heads).</param>
/// <param name="KeyValueHeads">Key/value heads (num_key_value_heads): 1 in PaliGemma 1 (MQA), fewer than the query heads in 2 (GQA).</param>
/// <param name="HeadDim">Width of one attention head.</param>
/// <param name="RmsNormEps">RMSNorm epsilon.</param>
/// <param name="RopeTheta">Rotary embedding base.</param>
/// <param name="VocabSize">Rows of the embedding table and logits per position (257216: 257152 real ids padded).</param>
/// <param name="QueryPreAttnScalar">Gemma 2 scales queries by this^-0.5; for Gemma, which scales by head_dim^-0.5, it reads as head_dim.</param>
/// <param name="AttnLogitSoftcap">Gemma 2 attention-logit soft cap (tanh(x/c)*c); null for none.</param>
/// <param name="FinalLogitSoftcap">Gemma 2 final-logit soft cap; null for none.</param>
/// <param name="SlidingWindow">Gemma 2 sliding window on alternate layers; null for Gemma.</param>
public sealed record TextConfig(
    PaliGemmaFamily Family,
    int HiddenSize,
    int IntermediateSize,
    int LayerCount,
    int AttentionHeads,
    int KeyValueHeads,
    int HeadDim,
    float RmsNormEps,
    float RopeTheta,
    int VocabSize,
    float QueryPreAttnScalar,
    float? AttnLogitSoftcap,
    float? FinalLogitSoftcap,
    int? SlidingWindow)
{
    /// <summary>text_config.model_type: "gemma" or "gemma2".</summary>
    public string ModelType => IsGemma2 ? "gemma2" : "gemma";

    /// <summary>Whether this is a Gemma 2 decoder (PaliGemma 2).</summary>
    public bool IsGemma2 => Family == PaliGemmaFamily.PaliGemma2;

    /// <summary>Gemma scales queries by head_dim^-0.5, Gemma 2 by query_pre_attn_scalar^-0.5.</summary>
    public float QueryScale => 1f / MathF.Sqrt(IsGemma2 ? QueryPreAttnScalar : HeadDim);

    /// <summary>Query heads sharing one key/value head.</summary>
    public int QueryGroups => AttentionHeads / KeyValueHeads;
}

/// <summary>The SigLIP vision tower, as in config.json's vision_config.</summary>
/// <param name="HiddenSize">Width of the tower (1152 for So400m).</param>
/// <param name="IntermediateSize">Width of its MLP (4304 for So400m).</param>
/// <param name="LayerCount">Encoder blocks (27 for So400m).</param>
/// <param name="AttentionHeads">Attention heads (16 for So400m).</param>
/// <param name="PatchSize">Side of one patch in pixels (14).</param>
/// <param name="ImageSize">Side of the square input image in pixels (224, 448 or 896).</param>
/// <param name="LayerNormEps">LayerNorm epsilon.</param>
public sealed record VisionConfig(int HiddenSize, int IntermediateSize, int LayerCount, int AttentionHeads, int PatchSize, int ImageSize, float LayerNormEps)
{
    /// <summary>Width of one attention head.</summary>
    public int HeadDim => HiddenSize / AttentionHeads;

    /// <summary>Patches along one side of the image.</summary>
    public int PatchesPerSide => ImageSize / PatchSize;

    /// <summary>Image tokens per image: (image_size / patch_size)^2, e.g. 256 at 224 px.</summary>
    public int ImageTokenCount => PatchesPerSide * PatchesPerSide;

    /// <summary>SigLIP So400m/14, the tower of every PaliGemma, at <paramref name="imageSize"/> pixels.</summary>
    public static VisionConfig So400m(int imageSize) => new(1152, 4304, 27, 16, 14, imageSize, 1e-6f);
}

/// <summary>SiglipImageProcessor settings: resize to Size x Size, x * RescaleFactor, then (x - mean) / std per RGB channel.</summary>
/// <param name="Size">Side of the square the frame is resized to (equals the vision tower's image size).</param>
/// <param name="RescaleFactor">Multiplier from 0..255 pixel values (1/255).</param>
/// <param name="ImageMean">Mean subtracted per R, G, B channel after rescaling.</param>
/// <param name="ImageStd">Divisor per R, G, B channel after subtracting the mean.</param>
public sealed record PreprocessorConfig(
    int Size,
    float RescaleFactor,
    IReadOnlyList<float> ImageMean,
    IReadOnlyList<float> ImageStd)
{
    /// <summary>The settings every PaliGemma checkpoint ships: rescale 1/255, mean = std = 0.5 (values in [-1, 1]).</summary>
    public static PreprocessorConfig Siglip(int size) => new(size, 1f / 255, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);
}
