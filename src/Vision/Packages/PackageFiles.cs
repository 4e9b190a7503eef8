namespace EdgePali.Vision.Packages;

/// <summary>
/// The file names of a model package (the transformers.js export layout plus edgepali.json). The builder,
/// the quantiser and the engine all name files through this class, so a package written by one is found by
/// the others.
/// </summary>
public static class PackageFiles
{
    /// <summary>The Hugging Face model configuration (<see cref="PaliGemmaConfigReader"/> reads it).</summary>
    public const string Config = "config.json";

    /// <summary>SiglipImageProcessor settings: image size, rescale factor, mean and std.</summary>
    public const string PreprocessorConfig = "preprocessor_config.json";

    /// <summary>Generation defaults; its eos ids win over config.json's, as in transformers.</summary>
    public const string GenerationConfig = "generation_config.json";

    /// <summary>The Gemma tokenizer in Hugging Face tokenizers format.</summary>
    public const string Tokenizer = "tokenizer.json";

    /// <summary>Tokenizer settings transformers and transformers.js read beside tokenizer.json.</summary>
    public const string TokenizerConfig = "tokenizer_config.json";

    /// <summary>Special-token map some Hugging Face tools still read.</summary>
    public const string SpecialTokensMap = "special_tokens_map.json";

    /// <summary>The SentencePiece model some checkpoints ship; copied along, not read by the engine.</summary>
    public const string TokenizerModel = "tokenizer.model";

    /// <summary>What the package is made of and each file's size and sha256 (<see cref="PackageManifest"/>).</summary>
    public const string Manifest = "edgepali.json";

    /// <summary>The folder that holds the graphs.</summary>
    public const string OnnxFolder = "onnx";

    /// <summary>The optional segmentation-mask decoder (big_vision's VQ-VAE), in <see cref="OnnxFolder"/>.</summary>
    public const string VaeDecoder = "vae_decoder.onnx";

    /// <summary>What follows a graph's file name for its external weights ("decoder_model_merged.onnx_data").</summary>
    public const string ExternalDataSuffix = "_data";

    /// <summary>The files a checkpoint folder contributes to a package as they are (those present are copied).</summary>
    public static IReadOnlyList<string> CopiedFromCheckpoint { get; } =
        [Config, Tokenizer, TokenizerConfig, SpecialTokensMap, TokenizerModel, PreprocessorConfig, GenerationConfig];

    /// <summary>The graph file of <paramref name="part"/> in <paramref name="variant"/>, relative to the package with '/' separators, e.g. "onnx/embed_tokens_int8.onnx".</summary>
    public static string GraphPath(ModelPart part, ModelVariant variant) => $"{OnnxFolder}/{part.FileStem()}{variant.Suffix}.onnx";
}
