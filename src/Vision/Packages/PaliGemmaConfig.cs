namespace EdgePali.Vision.Packages;

/// <summary>PaliGemma generation 1 (Gemma decoder) or 2 (Gemma 2 decoder).</summary>
public enum PaliGemmaFamily
{
    PaliGemma1 = 1,
    PaliGemma2 = 2,
}

/// <summary>
/// What the engine needs to know about a PaliGemma checkpoint, read from config.json,
/// preprocessor_config.json and generation_config.json (see <see cref="PaliGemmaConfigReader"/>).
/// </summary>
/// <param name="Family">Decoder family, from text_config.model_type ("gemma" or "gemma2").</param>
/// <param name="Text">The language model.</param>
/// <param name="Vision">The SigLIP image encoder.</param>
/// <param name="Preprocessor">How frames become pixel_values.</param>
/// <param name="ImageTokenId">The &lt;image&gt; placeholder id (257152).</param>
/// <param name="BosTokenId">Beginning-of-sequence id (2).</param>
/// <param name="EosTokenIds">Ids that end generation (1 for PaliGemma; 1 and 107 for PaliGemma 2).</param>
public sealed record PaliGemmaConfig(
    PaliGemmaFamily Family,
    TextConfig Text,
    VisionConfig Vision,
    PreprocessorConfig Preprocessor,
    int ImageTokenId,
    int BosTokenId,
    IReadOnlyList<int> EosTokenIds)
{
    /// <summary>Image tokens per image: (image_size / patch_size)^2, e.g. 256 at 224 px.</summary>
    public int ImageTokenCount => Vision.ImageTokenCount;
}

/// <summary>The Gemma decoder. Hidden size is text_config's: PaliGemma 2 configs carry a stale top-level one.</summary>
public sealed record TextConfig(
    int HiddenSize,
    int LayerCount,
    int AttentionHeads,
    int KeyValueHeads,
    int HeadDim,
    int VocabSize);

/// <summary>The SigLIP vision tower.</summary>
public sealed record VisionConfig(int ImageSize, int PatchSize, int HiddenSize)
{
    public int ImageTokenCount => (ImageSize / PatchSize) * (ImageSize / PatchSize);
}

/// <summary>SiglipImageProcessor settings: resize to Size x Size, x * RescaleFactor, then (x - mean) / std per RGB channel.</summary>
public sealed record PreprocessorConfig(
    int Size,
    float RescaleFactor,
    IReadOnlyList<float> ImageMean,
    IReadOnlyList<float> ImageStd);
