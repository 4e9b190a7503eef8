using System.Text.Json.Nodes;

namespace EdgePali.Quantize.Checkpoints;

/// <summary>Gemma (PaliGemma 1) or Gemma 2 (PaliGemma 2) decoder dimensions, as in the HF text_config.</summary>
public sealed record TextModelConfig(
    string ModelType,
    int HiddenSize,
    int IntermediateSize,
    int Layers,
    int Heads,
    int KvHeads,
    int HeadDim,
    float RmsNormEps,
    float RopeTheta,
    int VocabSize,
    float QueryPreAttnScalar,
    float? AttnLogitSoftcap,
    float? FinalLogitSoftcap,
    int? SlidingWindow)
{
    public bool IsGemma2 => ModelType == "gemma2";

    /// <summary>Gemma scales queries by head_dim^-0.5, Gemma 2 by query_pre_attn_scalar^-0.5.</summary>
    public float QueryScale => 1f / MathF.Sqrt(IsGemma2 ? QueryPreAttnScalar : HeadDim);

    public int QueryGroups => Heads / KvHeads;
}

/// <summary>SigLIP vision tower dimensions, as in the HF vision_config.</summary>
public sealed record VisionModelConfig(int HiddenSize, int IntermediateSize, int Layers, int Heads, int PatchSize, int ImageSize, float LayerNormEps)
{
    public int HeadDim => HiddenSize / Heads;

    public int PatchesPerSide => ImageSize / PatchSize;

    public int ImageTokens => PatchesPerSide * PatchesPerSide;
}

/// <summary>
/// The parts of a Hugging Face PaliGemma config.json the builder needs. Missing keys take the defaults of the
/// transformers config classes (GemmaConfig, Gemma2Config, SiglipVisionConfig), because real checkpoints rely
/// on them (paligemma-3b-pt-224 omits head_dim, rope_theta and image_size).
/// </summary>
public sealed record PaliGemmaConfig(TextModelConfig Text, VisionModelConfig Vision, int ProjectionDim, int ImageTokenIndex)
{
    public const string FileName = "config.json";

    /// <summary>PaliGemma version 1 or 2, from the text model type.</summary>
    public int Generation => Text.IsGemma2 ? 2 : 1;

    public static PaliGemmaConfig Load(string checkpointDir)
    {
        var path = Path.Combine(checkpointDir, FileName);
        if (!File.Exists(path))
            throw new CheckpointException($"'{checkpointDir}' has no {FileName}: point --checkpoint at a Hugging Face PaliGemma checkpoint folder.");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new CheckpointException($"'{path}' is empty.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CheckpointException($"'{path}' is not valid JSON: {e.Message}", e);
        }

        return Parse(root, path);
    }

    public static PaliGemmaConfig Parse(JsonObject root, string source)
    {
        ArgumentNullException.ThrowIfNull(root);
        var modelType = (string?)root["model_type"];
        if (modelType != "paligemma")
            throw new CheckpointException($"'{source}' has model_type '{modelType ?? "(none)"}'; only 'paligemma' (PaliGemma 1 and 2) checkpoints can be built.");
        var text = root["text_config"] as JsonObject ?? throw new CheckpointException($"'{source}' has no text_config.");
        var vision = root["vision_config"] as JsonObject ?? throw new CheckpointException($"'{source}' has no vision_config.");

        var textType = (string?)text["model_type"] ?? "gemma";
        if (textType is not ("gemma" or "gemma2"))
            throw new CheckpointException($"'{source}' has text_config.model_type '{textType}'; only 'gemma' (PaliGemma 1) and 'gemma2' (PaliGemma 2) are supported.");
        var g2 = textType == "gemma2";
        var textConfig = new TextModelConfig(
            textType,
            Int(text, "hidden_size", g2 ? 2304 : 3072),
            Int(text, "intermediate_size", g2 ? 9216 : 24576),
            Int(text, "num_hidden_layers", g2 ? 26 : 28),
            Int(text, "num_attention_heads", g2 ? 8 : 16),
            Int(text, "num_key_value_heads", g2 ? 4 : 16),
            Int(text, "head_dim", 256),
            Float(text, "rms_norm_eps", 1e-6f),
            Float(text, "rope_theta", 10000f),
            Int(text, "vocab_size", 257216),
            Float(text, "query_pre_attn_scalar", 256f),
            g2 ? NullableFloat(text, "attn_logit_softcapping", 50f) : null,
            g2 ? NullableFloat(text, "final_logit_softcapping", 30f) : null,
            g2 ? Int(text, "sliding_window", 4096) : null);
        if (textConfig.Heads % textConfig.KvHeads != 0)
            throw new CheckpointException($"'{source}': num_attention_heads {textConfig.Heads} is not a multiple of num_key_value_heads {textConfig.KvHeads}.");

        var visionConfig = new VisionModelConfig(
            Int(vision, "hidden_size", 1152),
            Int(vision, "intermediate_size", 4304),
            Int(vision, "num_hidden_layers", 27),
            Int(vision, "num_attention_heads", 16),
            Int(vision, "patch_size", 14),
            Int(vision, "image_size", 224),
            Float(vision, "layer_norm_eps", 1e-6f));
        if (visionConfig.ImageSize % visionConfig.PatchSize != 0 || visionConfig.HiddenSize % visionConfig.Heads != 0)
            throw new CheckpointException($"'{source}': vision image_size {visionConfig.ImageSize} must be a multiple of patch_size {visionConfig.PatchSize} and hidden_size a multiple of the head count.");

        return new PaliGemmaConfig(
            textConfig,
            visionConfig,
            Int(root, "projection_dim", textConfig.HiddenSize),
            Int(root, "image_token_index", 257152));
    }

    private static int Int(JsonObject o, string key, int fallback) => o[key] is JsonValue v ? v.GetValue<int>() : fallback;

    private static float Float(JsonObject o, string key, float fallback) => o[key] is JsonValue v ? (float)v.GetValue<double>() : fallback;

    private static float? NullableFloat(JsonObject o, string key, float fallback) =>
        o.ContainsKey(key) ? (o[key] is JsonValue v ? (float)v.GetValue<double>() : null) : fallback;
}
