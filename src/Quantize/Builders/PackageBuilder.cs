using EdgePali.Quantize.Checkpoints;
using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Quantization;
using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Builders;

/// <summary>
/// Builds a model package (transformers.js layout + edgepali.json) from a Hugging Face PaliGemma checkpoint:
/// checkpoint -> graph builders -> quantiser -> external-data writer, one tensor at a time so peak memory stays
/// around the largest single layer. Everything is written to a temporary folder renamed into place at the end.
/// </summary>
public static class PackageBuilder
{
    public static Task<PackageBuildResult> BuildAsync(PackageBuildOptions options, IProgress<PackageBuildProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Task.Run(() => Build(options, progress, cancellationToken), cancellationToken);
    }

    private static async Task<PackageBuildResult> Build(PackageBuildOptions options, IProgress<PackageBuildProgress>? progress, CancellationToken cancellationToken)
    {
        if (options.BlockSize < 16 || (options.BlockSize & (options.BlockSize - 1)) != 0)
            throw new ArgumentException($"--block-size {options.BlockSize} must be a power of two, at least 16 (MatMulNBits).", nameof(options));
        using var checkpoint = Checkpoint.Open(options.CheckpointDir);
        var config = checkpoint.Config;
        var mix = options.Weights.Mix(options.Mix, config.Vision.LayerCount, config.Text.LayerCount);
        Validate(checkpoint, options);

        var total = PaliGemmaTensorLayout.Expected(config).Sum(t => t.ElementCount) + (long)config.Text.VocabSize * config.Text.HiddenSize;
        long done = 0;
        var stage = "";
        void Advance(long elements)
        {
            done += elements;
            progress?.Report(new PackageBuildProgress(stage, Math.Min(1.0, (double)done / total)));
        }

        var files = new List<string>();
        PackageManifest? manifest = null;
        await OutputDirectory.WriteAtomicallyAsync(options.OutDir, temp =>
        {
            Directory.CreateDirectory(Path.Combine(temp, PackageFiles.OnnxFolder));
            var format = options.Weights;
            var layers = new List<ManifestLayerFormat>();

            void BuildPart(ModelPart part, Action<WeightWriter> build)
            {
                stage = part.FileStem();
                var relative = PackageFiles.GraphPath(part, format.Variant());
                using var graph = new OnnxGraph(Path.Combine(temp, relative), part.FileStem());
                var writer = new WeightWriter(graph, mix, options.BlockSize, Advance, cancellationToken);
                build(writer);
                graph.Save();
                layers.AddRange(writer.Layers);
                files.Add(relative);
                files.Add(relative + PackageFiles.ExternalDataSuffix);
            }

            var embedQuantized = !mix.Resolve(new LinearScope(LinearPart.Embed)).IsFloat;
            BuildPart(ModelPart.VisionEncoder, w => VisionEncoderBuilder.Build(w, checkpoint, options.Graph));
            BuildPart(ModelPart.EmbedTokens, w => EmbedTokensBuilder.Build(w, checkpoint, embedQuantized, options.BlockSize));
            BuildPart(ModelPart.Decoder, w => DecoderBuilder.Build(w, checkpoint, options.Logits, options.Graph));
            layers.Add(new ManifestLayerFormat(ModelPartNames.EmbedTokens, embedQuantized ? "int8" : "fp32"));

            stage = "package files";
            var copied = CopyPackageFiles(options.CheckpointDir, temp, config);
            manifest = CreateManifest(options, mix, layers, config, temp, files.Concat(copied), cancellationToken);
            manifest.Write(temp);
            progress?.Report(new PackageBuildProgress("done", 1.0));
            return Task.CompletedTask;
        }).ConfigureAwait(false);

        return new PackageBuildResult(Path.GetFullPath(options.OutDir), files.Where(f => f.EndsWith(".onnx", StringComparison.Ordinal)).ToList(), manifest!);
    }

    /// <summary>Checks config and every tensor's presence and shape before anything is written.</summary>
    private static void Validate(Checkpoint checkpoint, PackageBuildOptions options)
    {
        var config = checkpoint.Config;
        if (config.ProjectionDim != config.Text.HiddenSize)
            throw new CheckpointException($"config.json: projection_dim {config.ProjectionDim} differs from text_config.hidden_size {config.Text.HiddenSize}; the projector must map to the decoder width.");
        if (options.ImageSize is int size && size != config.Vision.ImageSize)
            throw new CheckpointException($"--image-size {size} differs from the checkpoint's vision image_size {config.Vision.ImageSize}; interpolating position embeddings is not supported, use a checkpoint trained at {size} px.");
        foreach (var expected in PaliGemmaTensorLayout.Expected(config))
            checkpoint.Tensor(expected.Name, expected.Shape);
        if (!File.Exists(Path.Combine(checkpoint.Directory, PackageFiles.Tokenizer)))
            throw new CheckpointException($"'{checkpoint.Directory}' has no {PackageFiles.Tokenizer}: download it with the checkpoint (the engine and transformers.js need it).");
    }

    private static List<string> CopyPackageFiles(string checkpointDir, string outDir, PaliGemmaConfig config)
    {
        var copied = new List<string>();
        foreach (var name in PackageFiles.CopiedFromCheckpoint)
        {
            var source = Path.Combine(checkpointDir, name);
            if (!File.Exists(source))
                continue;
            File.Copy(source, Path.Combine(outDir, name));
            copied.Add(name);
        }

        // Checkpoints that lack these get the ones the reader assumed for them (SigLIP preprocessing, the family's eos).
        if (!copied.Contains(PackageFiles.PreprocessorConfig))
        {
            PaliGemmaConfigWriter.WritePreprocessorConfig(config, outDir);
            copied.Add(PackageFiles.PreprocessorConfig);
        }

        if (!copied.Contains(PackageFiles.GenerationConfig))
        {
            PaliGemmaConfigWriter.WriteGenerationConfig(config, outDir);
            copied.Add(PackageFiles.GenerationConfig);
        }

        return copied;
    }

    private static PackageManifest CreateManifest(
        PackageBuildOptions options, WeightMix mix, IReadOnlyList<ManifestLayerFormat> layers, PaliGemmaConfig config, string dir, IEnumerable<string> files, CancellationToken cancellationToken)
    {
        var entries = new List<ManifestFile>();
        foreach (var relative in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            entries.Add(ManifestFile.Describe(dir, relative));
        }

        var quantized = layers.Any(l => l.Format != "fp32");
        var quantization = !mix.IsUniform
            ? [
                $"mixed precision: base --weights {options.Weights.CliName()}, then --mix {mix}; each linear layer's format is listed under 'layers' (MatMulNBits block {options.BlockSize}; 8-bit symmetric, 4-bit asymmetric with zero points; int4@1 = accuracy_level 1)",
            ]
            : options.Weights switch
        {
            WeightFormat.Int8 =>
                new[]
                {
                    $"vision_encoder and decoder linear layers (attention, MLP, projector, tied LM head): MatMulNBits bits=8, symmetric, block {options.BlockSize} along K, float32 scale per block, accuracy_level 4 (int8 compute)",
                    $"embed_tokens table: int8 with a float32 scale per {options.BlockSize} columns, dequantised after the lookup",
                },
            WeightFormat.Int4 =>
                [
                    $"decoder linear layers and tied LM head: MatMulNBits bits=4, asymmetric with zero points, block {options.BlockSize}, accuracy_level 4",
                    $"vision_encoder linear layers: MatMulNBits bits=8 (4-bit harms the image features more than it saves)",
                    $"embed_tokens table: int8 with a float32 scale per {options.BlockSize} columns",
                ],
            WeightFormat.W8A8 =>
                [
                    "vision_encoder and decoder linear layers (attention, MLP, projector, tied LM head): w8a8, MatMulIntegerToFloat (uint8 x int8): int8 weights, symmetric, one float32 scale per output channel, each input channel pre-scaled by s = ((column max / median) / (norm gain / median))^0.5, the norm gain |gamma| (+ |beta|) where the layer reads a norm's output, else 1 (a Mul on the activation)",
                    "activations entering those layers: int8 per token at run time (absmax / 127, stored as uint8 with zero point 128)",
                    $"embed_tokens table: int8 with a float32 scale per {options.BlockSize} columns, dequantised after the lookup",
                ],
            _ => ["none: float32 reference weights"],
        };
        var keptFloat = quantized
            ? new[]
            {
                "RMSNorm and LayerNorm weights and all biases: tiny, and their errors would scale every activation",
                "patch-embedding convolution and position embeddings: one small layer that sees raw pixels",
                "activations between ops, attention scores, softmax, rotary tables and the KV cache: float32 (int8 only inside a matmul: per block in MatMulNBits at accuracy_level 4, per token in w8a8 layers)",
            }
            : ["everything"];
        return new PackageManifest
        {
            Builder = BuilderVersion.Builder,
            BuilderVersion = BuilderVersion.Value,
            SourceCheckpoint = Path.GetFullPath(options.CheckpointDir),
            PaliGemmaVersion = (int)config.Family,
            WeightFormat = options.Weights.CliName(),
            BlockSize = quantized ? options.BlockSize : null,
            ImageSize = config.Vision.ImageSize,
            ImageTokens = config.Vision.ImageTokenCount,
            Quantization = quantization,
            KeptFloat = keptFloat,
            Limitations = config.Text.IsGemma2 ? ["Gemma 2 sliding-window attention (4096) is not applied: identical below 4096 tokens; prompts longer than that are unsupported"] : [],
            Files = entries,
            DecoderLogits = options.Logits.CliName(),
            Graph = options.Graph.CliName(),
            WeightMix = mix.IsUniform ? null : mix.ToString(),
            Layers = layers,
        };
    }
}
