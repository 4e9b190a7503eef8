using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgePali.Vision.Packages;

/// <summary>
/// Writes a <see cref="PaliGemmaConfig"/> as the Hugging Face files transformers writes for
/// PaliGemmaForConditionalGeneration: config.json, preprocessor_config.json and generation_config.json. The
/// counterpart of <see cref="PaliGemmaConfigReader"/>: what one writes the other reads back unchanged, and
/// transformers and transformers.js load it too.
/// </summary>
public static class PaliGemmaConfigWriter
{
    /// <summary>Indented, as transformers writes its JSON files.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new() { WriteIndented = true };

    /// <summary>Writes all three files into <paramref name="directory"/>, replacing existing ones.</summary>
    public static void Write(PaliGemmaConfig config, string directory)
    {
        WriteFile(directory, PackageFiles.Config, ModelConfigJson(config));
        WritePreprocessorConfig(config, directory);
        WriteGenerationConfig(config, directory);
    }

    /// <summary>Writes preprocessor_config.json into <paramref name="directory"/> (for checkpoints that lack one).</summary>
    public static void WritePreprocessorConfig(PaliGemmaConfig config, string directory) =>
        WriteFile(directory, PackageFiles.PreprocessorConfig, PreprocessorConfigJson(config));

    /// <summary>Writes generation_config.json into <paramref name="directory"/> (for checkpoints that lack one).</summary>
    public static void WriteGenerationConfig(PaliGemmaConfig config, string directory) =>
        WriteFile(directory, PackageFiles.GenerationConfig, GenerationConfigJson(config));

    /// <summary>config.json's content.</summary>
    public static JsonObject ModelConfigJson(PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var t = config.Text;
        var v = config.Vision;
        var text = new JsonObject
        {
            ["model_type"] = t.ModelType,
            ["hidden_size"] = t.HiddenSize,
            ["intermediate_size"] = t.IntermediateSize,
            ["num_hidden_layers"] = t.LayerCount,
            ["num_attention_heads"] = t.AttentionHeads,
            ["num_key_value_heads"] = t.KeyValueHeads,
            ["head_dim"] = t.HeadDim,
            ["rms_norm_eps"] = t.RmsNormEps,
            ["rope_theta"] = t.RopeTheta,
            ["vocab_size"] = t.VocabSize,
            ["hidden_activation"] = "gelu_pytorch_tanh",
            ["num_image_tokens"] = v.ImageTokenCount,
            ["max_position_embeddings"] = 8192,
            ["torch_dtype"] = "bfloat16",
        };
        if (t.IsGemma2)
        {
            text["query_pre_attn_scalar"] = t.QueryPreAttnScalar;
            text["attn_logit_softcapping"] = t.AttnLogitSoftcap;
            text["final_logit_softcapping"] = t.FinalLogitSoftcap;
            text["sliding_window"] = t.SlidingWindow;
        }

        return new JsonObject
        {
            ["architectures"] = new JsonArray("PaliGemmaForConditionalGeneration"),
            ["model_type"] = "paligemma",
            ["bos_token_id"] = config.BosTokenId,
            ["eos_token_id"] = config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : PaliGemmaTokens.Eos,
            ["pad_token_id"] = PaliGemmaTokens.Pad,
            ["image_token_index"] = config.ImageTokenId,
            ["hidden_size"] = t.HiddenSize,
            ["projection_dim"] = config.ProjectionDim,
            // The tokenizer's size (real ids); the decoder's padded table size is text_config.vocab_size.
            ["vocab_size"] = PaliGemmaTokens.FirstNonGenerable,
            ["text_config"] = text,
            ["vision_config"] = new JsonObject
            {
                ["model_type"] = "siglip_vision_model",
                ["hidden_size"] = v.HiddenSize,
                ["intermediate_size"] = v.IntermediateSize,
                ["num_hidden_layers"] = v.LayerCount,
                ["num_attention_heads"] = v.AttentionHeads,
                ["patch_size"] = v.PatchSize,
                ["image_size"] = v.ImageSize,
                ["layer_norm_eps"] = v.LayerNormEps,
                ["num_image_tokens"] = v.ImageTokenCount,
                ["projection_dim"] = config.ProjectionDim,
                ["projector_hidden_act"] = "gelu_fast",
                ["vision_use_head"] = false,
            },
            ["torch_dtype"] = "bfloat16",
        };
    }

    /// <summary>preprocessor_config.json's content: SiglipImageProcessor with PIL bicubic resampling.</summary>
    public static JsonObject PreprocessorConfigJson(PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var p = config.Preprocessor;
        return new JsonObject
        {
            ["do_convert_rgb"] = null,
            ["do_normalize"] = true,
            ["do_rescale"] = true,
            ["do_resize"] = true,
            ["image_mean"] = new JsonArray([.. p.ImageMean.Select(x => JsonValue.Create((double)x))]),
            ["image_std"] = new JsonArray([.. p.ImageStd.Select(x => JsonValue.Create((double)x))]),
            ["image_processor_type"] = "SiglipImageProcessor",
            ["image_seq_length"] = config.ImageTokenCount,
            ["processor_class"] = "PaliGemmaProcessor",
            ["resample"] = 3, // PIL.Image.BICUBIC
            // Written as transformers writes it (the double 1/255), not as the float it is read into.
            ["rescale_factor"] = p.RescaleFactor == 1f / 255 ? 1.0 / 255.0 : p.RescaleFactor,
            ["size"] = new JsonObject { ["height"] = p.Size, ["width"] = p.Size },
        };
    }

    /// <summary>generation_config.json's content: the bos, eos and pad ids generate() uses.</summary>
    public static JsonObject GenerationConfigJson(PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new JsonObject
        {
            ["bos_token_id"] = config.BosTokenId,
            ["eos_token_id"] = config.EosTokenIds.Count == 1 ? config.EosTokenIds[0] : new JsonArray([.. config.EosTokenIds.Select(id => JsonValue.Create(id))]),
            ["pad_token_id"] = PaliGemmaTokens.Pad,
        };
    }

    private static void WriteFile(string directory, string name, JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(directory);
        File.WriteAllText(Path.Combine(directory, name), json.ToJsonString(JsonOptions));
    }
}
