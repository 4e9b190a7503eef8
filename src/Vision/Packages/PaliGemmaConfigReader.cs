using System.Text.Json;

namespace EdgePali.Vision.Packages;

/// <summary>
/// Reads the Hugging Face configuration files of a package into a <see cref="PaliGemmaConfig"/>.
/// Missing keys take the defaults of the Hugging Face config classes (GemmaConfig, Gemma2Config,
/// SiglipVisionConfig), because that is how the published config.json files are meant to be read: they
/// only list what differs. Every failure names the file and the key.
/// </summary>
public static class PaliGemmaConfigReader
{
    public const string ConfigFile = "config.json";
    public const string PreprocessorConfigFile = "preprocessor_config.json";
    public const string GenerationConfigFile = "generation_config.json";

    /// <summary>Reads config.json, preprocessor_config.json and (if present) generation_config.json in <paramref name="directory"/>.</summary>
    public static PaliGemmaConfig Read(string directory)
    {
        using var config = ParseFile(Path.Combine(directory, ConfigFile));
        using var preprocessor = ParseFile(Path.Combine(directory, PreprocessorConfigFile));
        var generationPath = Path.Combine(directory, GenerationConfigFile);
        using var generation = File.Exists(generationPath) ? ParseFile(generationPath) : null;
        return Parse(config.RootElement, preprocessor.RootElement, generation?.RootElement);
    }

    internal static PaliGemmaConfig Parse(JsonElement config, JsonElement preprocessor, JsonElement? generation)
    {
        var modelType = GetString(config, "model_type", ConfigFile, null);
        if (modelType != "paligemma")
        {
            throw new ModelPackageException(
                $"{ConfigFile}: model_type is '{modelType ?? "(missing)"}', expected 'paligemma'. This engine serves PaliGemma 1 and 2 packages only.");
        }

        var text = ReadText(config, out var family);
        var vision = ReadVision(config);
        var preprocessorConfig = ReadPreprocessor(preprocessor);

        if (preprocessorConfig.Size != vision.ImageSize)
        {
            throw new ModelPackageException(
                $"{PreprocessorConfigFile}: size {preprocessorConfig.Size} does not match vision_config.image_size {vision.ImageSize} in {ConfigFile}. Rebuild the package or fix one of the files.");
        }

        foreach (var section in new[] { "text_config", "vision_config" })
        {
            if (config.TryGetProperty(section, out var sub) && sub.ValueKind == JsonValueKind.Object &&
                sub.TryGetProperty("num_image_tokens", out var declared) && declared.TryGetInt32(out var n) &&
                n != vision.ImageTokenCount)
            {
                throw new ModelPackageException(
                    $"{ConfigFile}: {section}.num_image_tokens is {n}, but image_size {vision.ImageSize} / patch_size {vision.PatchSize} gives {vision.ImageTokenCount} image tokens.");
            }
        }

        var imageToken = config.TryGetProperty("image_token_index", out _)
            ? GetInt(config, "image_token_index", ConfigFile, PaliGemmaTokens.Image)
            : GetInt(config, "image_token_id", ConfigFile, PaliGemmaTokens.Image);
        var bos = GetInt(config, "bos_token_id", ConfigFile, PaliGemmaTokens.Bos);

        // generation_config.json wins (transformers.js and HF generate read it); then config.json; then Gemma's eos.
        var eos = (generation is { } g ? ReadIds(g, "eos_token_id", GenerationConfigFile) : null)
                  ?? ReadIds(config, "eos_token_id", ConfigFile)
                  ?? (config.TryGetProperty("text_config", out var tc) ? ReadIds(tc, "eos_token_id", ConfigFile) : null)
                  ?? [PaliGemmaTokens.Eos];

        return new PaliGemmaConfig(family, text, vision, preprocessorConfig, imageToken, bos, eos);
    }

    private static TextConfig ReadText(JsonElement config, out PaliGemmaFamily family)
    {
        if (!config.TryGetProperty("text_config", out var text) || text.ValueKind != JsonValueKind.Object)
        {
            // HF PaliGemmaConfig without text_config builds Gemma 2B.
            family = PaliGemmaFamily.PaliGemma1;
            var vocab = GetInt(config, "vocab_size", ConfigFile, 257152);
            return new TextConfig(2048, 18, 8, 1, 256, vocab);
        }

        var type = GetString(text, "model_type", ConfigFile, "gemma");
        const string where = ConfigFile + " text_config";
        switch (type)
        {
            case "gemma":
                family = PaliGemmaFamily.PaliGemma1;
                return new TextConfig(
                    GetInt(text, "hidden_size", where, 3072),
                    GetInt(text, "num_hidden_layers", where, 28),
                    GetInt(text, "num_attention_heads", where, 16),
                    GetInt(text, "num_key_value_heads", where, 16),
                    GetInt(text, "head_dim", where, 256),
                    GetInt(text, "vocab_size", where, 256000));
            case "gemma2":
                family = PaliGemmaFamily.PaliGemma2;
                return new TextConfig(
                    GetInt(text, "hidden_size", where, 2304),
                    GetInt(text, "num_hidden_layers", where, 26),
                    GetInt(text, "num_attention_heads", where, 8),
                    GetInt(text, "num_key_value_heads", where, 4),
                    GetInt(text, "head_dim", where, 256),
                    GetInt(text, "vocab_size", where, 256000));
            default:
                throw new ModelPackageException(
                    $"{ConfigFile}: text_config.model_type '{type}' is not a PaliGemma decoder (expected 'gemma' or 'gemma2').");
        }
    }

    private static VisionConfig ReadVision(JsonElement config)
    {
        if (!config.TryGetProperty("vision_config", out var vision) || vision.ValueKind != JsonValueKind.Object)
        {
            return new VisionConfig(224, 14, 1152); // HF PaliGemmaConfig's default SigLIP So400m/14.
        }

        const string where = ConfigFile + " vision_config";
        var imageSize = GetInt(vision, "image_size", where, 224);
        var patchSize = GetInt(vision, "patch_size", where, 16);
        if (patchSize <= 0 || imageSize % patchSize != 0)
        {
            throw new ModelPackageException($"{where}: image_size {imageSize} is not a multiple of patch_size {patchSize}.");
        }

        return new VisionConfig(imageSize, patchSize, GetInt(vision, "hidden_size", where, 768));
    }

    private static PreprocessorConfig ReadPreprocessor(JsonElement pre)
    {
        int size;
        if (pre.TryGetProperty("size", out var sizeElement) && sizeElement.ValueKind == JsonValueKind.Object)
        {
            var h = GetInt(sizeElement, "height", PreprocessorConfigFile + " size", 0);
            var w = GetInt(sizeElement, "width", PreprocessorConfigFile + " size", 0);
            if (h <= 0 || h != w)
            {
                throw new ModelPackageException(
                    $"{PreprocessorConfigFile}: size must be square with positive height and width, found {h}x{w}.");
            }

            size = h;
        }
        else
        {
            size = GetInt(pre, "size", PreprocessorConfigFile, 224);
        }

        var rescale = (float)GetDouble(pre, "rescale_factor", PreprocessorConfigFile, 1.0 / 255);
        var mean = ReadTriple(pre, "image_mean", 0.5f);
        var std = ReadTriple(pre, "image_std", 0.5f);
        if (std.Any(s => s <= 0))
        {
            throw new ModelPackageException($"{PreprocessorConfigFile}: image_std must be positive.");
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
            throw new ModelPackageException($"{PreprocessorConfigFile}: {key} must be three numbers (R, G, B).");
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
                $"{Path.GetFileName(path)} is missing from the model package {Path.GetDirectoryName(path)}. A package needs config.json, preprocessor_config.json, tokenizer.json and the onnx/ folder (transformers.js layout).");
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
}
