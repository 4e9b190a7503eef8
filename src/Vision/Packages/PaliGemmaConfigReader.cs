using System.Text.Json;

namespace EdgePali.Vision.Packages;

/// <summary>
/// The one reader of PaliGemma's Hugging Face configuration files (engine, builder and quantiser all use it).
/// Published config.json files list only what differs from the transformers config classes, so missing keys
/// take those defaults (GemmaConfig, Gemma2Config), except where the class default is not PaliGemma's: the
/// vision tower is always SigLIP So400m/14 (SiglipVisionConfig's defaults describe a smaller tower), and the
/// decoder's vocab_size is the 257216-row table every PaliGemma checkpoint has (GemmaConfig's 256000 lacks the
/// location and segmentation tokens). Every failure names the file and the key.
/// </summary>
public static class PaliGemmaConfigReader
{
    /// <summary>
    /// Reads a model package: config.json and preprocessor_config.json must exist, generation_config.json is
    /// read when present. Throws <see cref="ModelPackageException"/> naming the file and key at fault.
    /// </summary>
    public static PaliGemmaConfig Read(string directory) => Read(directory, requirePreprocessor: true);

    /// <summary>
    /// Reads a checkpoint folder: only config.json must exist; without preprocessor_config.json the SigLIP
    /// preprocessing every PaliGemma uses is assumed (<see cref="PreprocessorConfig.Siglip"/>), so the builder can
    /// write one. Throws <see cref="ModelPackageException"/> naming the file and key at fault.
    /// </summary>
    public static PaliGemmaConfig ReadCheckpoint(string directory) => Read(directory, requirePreprocessor: false);

    private static PaliGemmaConfig Read(string directory, bool requirePreprocessor)
    {
        ArgumentNullException.ThrowIfNull(directory);
        using var config = ParseFile(Path.Combine(directory, PackageFiles.Config));
        var preprocessorPath = Path.Combine(directory, PackageFiles.PreprocessorConfig);
        using var preprocessor = requirePreprocessor || File.Exists(preprocessorPath) ? ParseFile(preprocessorPath) : null;
        var generationPath = Path.Combine(directory, PackageFiles.GenerationConfig);
        using var generation = File.Exists(generationPath) ? ParseFile(generationPath) : null;
        return Parse(config.RootElement, preprocessor?.RootElement, generation?.RootElement);
    }

    /// <summary>Parses the three files' JSON; <paramref name="preprocessor"/> null means the SigLIP defaults.</summary>
    internal static PaliGemmaConfig Parse(JsonElement config, JsonElement? preprocessor, JsonElement? generation)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw new ModelPackageException($"{PackageFiles.Config}: expected a JSON object, found {config.ValueKind}.");
        }

        var modelType = GetString(config, "model_type", PackageFiles.Config, null);
        if (modelType != "paligemma")
        {
            throw new ModelPackageException(
                $"{PackageFiles.Config}: model_type is '{modelType ?? "(missing)"}', expected 'paligemma'. Only PaliGemma 1 and 2 checkpoints and packages are supported.");
        }

        var text = ReadText(config);
        var vision = ReadVision(config);
        var preprocessorConfig = preprocessor is { } p ? ReadPreprocessor(p) : PreprocessorConfig.Siglip(vision.ImageSize);

        if (preprocessorConfig.Size != vision.ImageSize)
        {
            throw new ModelPackageException(
                $"{PackageFiles.PreprocessorConfig}: size {preprocessorConfig.Size} does not match vision_config.image_size {vision.ImageSize} in {PackageFiles.Config}. Rebuild the package or fix one of the files.");
        }

        foreach (var section in new[] { "text_config", "vision_config" })
        {
            if (config.TryGetProperty(section, out var sub) && sub.ValueKind == JsonValueKind.Object &&
                sub.TryGetProperty("num_image_tokens", out var declared) && declared.TryGetInt32(out var n) &&
                n != vision.ImageTokenCount)
            {
                throw new ModelPackageException(
                    $"{PackageFiles.Config}: {section}.num_image_tokens is {n}, but image_size {vision.ImageSize} / patch_size {vision.PatchSize} gives {vision.ImageTokenCount} image tokens.");
            }
        }

        var imageToken = config.TryGetProperty("image_token_index", out _)
            ? GetInt(config, "image_token_index", PackageFiles.Config, PaliGemmaTokens.Image)
            : GetInt(config, "image_token_id", PackageFiles.Config, PaliGemmaTokens.Image);
        var bos = GetInt(config, "bos_token_id", PackageFiles.Config, PaliGemmaTokens.Bos);
        var projection = GetInt(config, "projection_dim", PackageFiles.Config, text.HiddenSize);

        // generation_config.json wins (transformers.js and HF generate read it); then config.json; then Gemma's eos.
        var eos = (generation is { } g ? ReadIds(g, "eos_token_id", PackageFiles.GenerationConfig) : null)
                  ?? ReadIds(config, "eos_token_id", PackageFiles.Config)
                  ?? (config.TryGetProperty("text_config", out var tc) && tc.ValueKind == JsonValueKind.Object ? ReadIds(tc, "eos_token_id", PackageFiles.Config) : null)
                  ?? [PaliGemmaTokens.Eos];

        return new PaliGemmaConfig(text, vision, projection, preprocessorConfig, imageToken, bos, eos);
    }

    private static TextConfig ReadText(JsonElement config)
    {
        if (!config.TryGetProperty("text_config", out var text) || text.ValueKind != JsonValueKind.Object)
        {
            // HF PaliGemmaConfig without text_config builds Gemma 2B (PaliGemma 1's decoder).
            return new TextConfig(PaliGemmaFamily.PaliGemma1, 2048, 16384, 18, 8, 1, 256, 1e-6f, 10000f, PaliGemmaTokens.PaddedVocabularySize, 256f, null, null, null);
        }

        const string Where = PackageFiles.Config + " text_config";
        var type = GetString(text, "model_type", Where, "gemma");
        var family = type switch
        {
            "gemma" => PaliGemmaFamily.PaliGemma1,
            "gemma2" => PaliGemmaFamily.PaliGemma2,
            _ => throw new ModelPackageException(
                $"{Where}: model_type '{type}' is not a PaliGemma decoder (expected 'gemma' for PaliGemma 1 or 'gemma2' for PaliGemma 2)."),
        };
        var g2 = family == PaliGemmaFamily.PaliGemma2;
        var headDim = GetInt(text, "head_dim", Where, 256);
        var result = new TextConfig(
            family,
            GetInt(text, "hidden_size", Where, g2 ? 2304 : 3072),
            GetInt(text, "intermediate_size", Where, g2 ? 9216 : 24576),
            GetInt(text, "num_hidden_layers", Where, g2 ? 26 : 28),
            GetInt(text, "num_attention_heads", Where, g2 ? 8 : 16),
            GetInt(text, "num_key_value_heads", Where, g2 ? 4 : 16),
            headDim,
            (float)GetDouble(text, "rms_norm_eps", Where, 1e-6),
            (float)GetDouble(text, "rope_theta", Where, 10000),
            GetInt(text, "vocab_size", Where, PaliGemmaTokens.PaddedVocabularySize),
            // Gemma scales queries by head_dim^-0.5 and has no such key: head_dim states that scale in Gemma 2's terms.
            (float)GetDouble(text, "query_pre_attn_scalar", Where, g2 ? 256 : headDim),
            g2 ? GetNullableFloat(text, "attn_logit_softcapping", Where, 50f) : null,
            g2 ? GetNullableFloat(text, "final_logit_softcapping", Where, 30f) : null,
            g2 ? GetInt(text, "sliding_window", Where, 4096) : null);
        if (result.AttentionHeads == 0 || result.KeyValueHeads == 0 || result.AttentionHeads % result.KeyValueHeads != 0)
        {
            throw new ModelPackageException(
                $"{Where}: num_attention_heads {result.AttentionHeads} must be a positive multiple of num_key_value_heads {result.KeyValueHeads}.");
        }

        return result;
    }

    private static VisionConfig ReadVision(JsonElement config)
    {
        if (!config.TryGetProperty("vision_config", out var vision) || vision.ValueKind != JsonValueKind.Object)
        {
            return VisionConfig.So400m(224);
        }

        const string Where = PackageFiles.Config + " vision_config";
        var so400m = VisionConfig.So400m(224);
        var result = new VisionConfig(
            GetInt(vision, "hidden_size", Where, so400m.HiddenSize),
            GetInt(vision, "intermediate_size", Where, so400m.IntermediateSize),
            GetInt(vision, "num_hidden_layers", Where, so400m.LayerCount),
            GetInt(vision, "num_attention_heads", Where, so400m.AttentionHeads),
            GetInt(vision, "patch_size", Where, so400m.PatchSize),
            GetInt(vision, "image_size", Where, so400m.ImageSize),
            (float)GetDouble(vision, "layer_norm_eps", Where, so400m.LayerNormEps));
        if (result.PatchSize <= 0 || result.ImageSize % result.PatchSize != 0)
        {
            throw new ModelPackageException($"{Where}: image_size {result.ImageSize} is not a multiple of patch_size {result.PatchSize}.");
        }

        if (result.AttentionHeads <= 0 || result.HiddenSize % result.AttentionHeads != 0)
        {
            throw new ModelPackageException($"{Where}: hidden_size {result.HiddenSize} is not a multiple of num_attention_heads {result.AttentionHeads}.");
        }

        return result;
    }

    private static PreprocessorConfig ReadPreprocessor(JsonElement pre)
    {
        const string FileName = PackageFiles.PreprocessorConfig;
        if (pre.ValueKind != JsonValueKind.Object)
        {
            throw new ModelPackageException($"{FileName}: expected a JSON object, found {pre.ValueKind}.");
        }

        int size;
        if (pre.TryGetProperty("size", out var sizeElement) && sizeElement.ValueKind == JsonValueKind.Object)
        {
            var h = GetInt(sizeElement, "height", FileName + " size", 0);
            var w = GetInt(sizeElement, "width", FileName + " size", 0);
            if (h <= 0 || h != w)
            {
                throw new ModelPackageException($"{FileName}: size must be square with positive height and width, found {h}x{w}.");
            }

            size = h;
        }
        else
        {
            size = GetInt(pre, "size", FileName, 224);
        }

        var rescale = (float)GetDouble(pre, "rescale_factor", FileName, 1.0 / 255);
        var mean = ReadTriple(pre, "image_mean", 0.5f);
        var std = ReadTriple(pre, "image_std", 0.5f);
        if (std.Any(s => s <= 0))
        {
            throw new ModelPackageException($"{FileName}: image_std must be positive.");
        }

        return new PreprocessorConfig(size, rescale, mean, std);
    }

    private static float[] ReadTriple(JsonElement e, string key, float fallback)
    {
        if (!e.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return [fallback, fallback, fallback];
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            var x = v.GetSingle();
            return [x, x, x];
        }

        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 3 || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
        {
            throw new ModelPackageException($"{PackageFiles.PreprocessorConfig}: {key} must be three numbers (R, G, B).");
        }

        return v.EnumerateArray().Select(x => x.GetSingle()).ToArray();
    }

    private static int[]? ReadIds(JsonElement e, string key, string file)
    {
        if (!e.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var single))
        {
            return [single];
        }

        if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out _)))
        {
            return v.EnumerateArray().Select(x => x.GetInt32()).ToArray();
        }

        throw new ModelPackageException($"{file}: {key} must be a token id or an array of token ids.");
    }

    private static JsonDocument ParseFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelPackageException(
                $"{Path.GetFileName(path)} is missing from '{Path.GetDirectoryName(path)}'. A PaliGemma checkpoint needs config.json; a model package also needs preprocessor_config.json, tokenizer.json and the onnx/ folder (transformers.js layout).");
        }

        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new ModelPackageException($"{path} is not valid JSON (line {ex.LineNumber + 1}): {ex.Message}", ex);
        }
    }

    private static string? GetString(JsonElement e, string key, string where, string? fallback) =>
        e.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ModelPackageException($"{where}: {key} must be a string.")
            : fallback;

    private static int GetInt(JsonElement e, string key, string where, int fallback)
    {
        if (!e.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i >= 0
            ? i
            : throw new ModelPackageException($"{where}: {key} must be a non-negative integer, found {v.GetRawText()}.");
    }

    private static double GetDouble(JsonElement e, string key, string where, double fallback)
    {
        if (!e.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return v.ValueKind == JsonValueKind.Number
            ? v.GetDouble()
            : throw new ModelPackageException($"{where}: {key} must be a number, found {v.GetRawText()}.");
    }

    /// <summary>Absent: <paramref name="fallback"/>; an explicit null switches the feature off (Gemma 2 soft caps).</summary>
    private static float? GetNullableFloat(JsonElement e, string key, string where, float fallback)
    {
        if (!e.TryGetProperty(key, out var v))
        {
            return fallback;
        }

        return v.ValueKind == JsonValueKind.Null ? null : (float)GetDouble(e, key, where, fallback);
    }
}
