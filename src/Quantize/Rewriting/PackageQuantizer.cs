using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Quantization;
using EdgePali.Quantize.Rewriting.Qdq;
using EdgePali.Vision.Packages;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Rewriting;

/// <summary>
/// `quantize`: reads a float model package (transformers.js layout, any external data size), rewrites each part's
/// graph with <see cref="GraphQuantizer"/> and writes a new package with the variant's suffix, the package files
/// copied and an edgepali.json recording mode, options, source sha256s and the per-node decisions. Everything is
/// written to a temporary folder renamed into place at the end, so a failure leaves nothing half-written.
/// </summary>
public static class PackageQuantizer
{
    private static readonly (ModelPart Part, string Stem)[] Parts =
    [
        (ModelPart.VisionEncoder, ModelPartNames.VisionEncoder),
        (ModelPart.EmbedTokens, ModelPartNames.EmbedTokens),
        (ModelPart.Decoder, ModelPartNames.Decoder),
    ];

    public static Task<QuantizeResult> QuantizeAsync(QuantizeOptions options, IProgress<QuantizeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Task.Run(() => Quantize(options, progress, cancellationToken), cancellationToken);
    }

    private static async Task<QuantizeResult> Quantize(QuantizeOptions options, IProgress<QuantizeProgress>? progress, CancellationToken cancellationToken)
    {
        if (options.Mode == QuantizationMode.Qdq)
            ValidateQdq(options);
        if (options.BlockSize < 16 || (options.BlockSize & (options.BlockSize - 1)) != 0)
            throw new QuantizeException($"--block-size {options.BlockSize} must be a power of two, at least 16 (MatMulNBits).");
        ModelPackage package;
        try
        {
            package = ModelPackage.Open(options.ModelDir, options.SourceVariant ?? "fp32");
        }
        catch (ModelPackageException e)
        {
            throw new QuantizeException(e.Message, e);
        }

        var outFull = Path.GetFullPath(options.OutDir).TrimEnd(Path.DirectorySeparatorChar);
        if (string.Equals(outFull, package.Directory.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            throw new QuantizeException($"--out '{outFull}' is the source package itself; write the quantised package to a new folder.");
        if (!options.Force && Directory.Exists(outFull) && Directory.EnumerateFileSystemEntries(outFull).Any())
            throw new QuantizeException($"--out '{outFull}' already exists and is not empty; pass --force to replace it, or choose another folder.");

        var mix = CreateMix(options, package.Directory);
        var sources = Parts.Select(p => (p.Part, p.Stem, Path: package.PathOf(p.Part))).ToList();
        var totalBytes = sources.Sum(s => InitializerBytes(s.Path));
        List<IReadOnlyList<CalibrationInput>>? calibration = null;
        long calibrationBytes = 0;
        if (options.Mode == QuantizationMode.Qdq)
        {
            calibration = VisionCalibrationInputs.Load(options.Qdq!.CalibrationPath, options.Qdq.MaxCalibrationFrames, package.Config);

            // For the ETA, calibrating counts like one more pass over the vision encoder's weights.
            calibrationBytes = InitializerBytes(package.PathOf(ModelPart.VisionEncoder));
            totalBytes += calibrationBytes;
        }

        long done = 0;
        var stage = "";
        void Advance(long bytes)
        {
            done += bytes;
            progress?.Report(new QuantizeProgress(stage, totalBytes == 0 ? 1 : Math.Min(1.0, (double)done / totalBytes)));
        }

        var modelVariant = options.Mode.Variant();
        var variant = modelVariant.Name;
        var exclude = options.Exclude ?? [];
        var decisions = new List<ManifestNodeDecision>();
        var summaries = new List<ManifestPartSummary>();
        PackageManifest? manifest = null;
        await OutputDirectory.WriteAtomicallyAsync(outFull, temp =>
        {
            var onnxDir = Path.Combine(temp, PackageFiles.OnnxFolder);
            Directory.CreateDirectory(onnxDir);
            var written = new List<string>();
            foreach (var (part, stem, path) in sources)
            {
                stage = stem;
                var relative = PackageFiles.GraphPath(part, modelVariant);
                using var source = OnnxModelSource.Open(path);
                IReadOnlyList<ManifestNodeDecision> partDecisions;
                if (options.Mode == QuantizationMode.Qdq && QdqParts(options).Contains(part))
                {
                    stage = $"{stem}: calibrating";
                    var perInput = calibrationBytes / calibration!.Count;
                    partDecisions = QdqPartQuantizer.Quantize(
                        source, stem, options.Qdq!, exclude, calibration, Path.Combine(temp, relative),
                        _ => Advance(perInput), bytes =>
                        {
                            stage = stem;
                            Advance(bytes);
                        },
                        cancellationToken);
                }
                else
                {
                    // qdq: the parts that stay on the CPU (the decoder's growing KV cache has no fixed shape) get the int8 path.
                    var plan = new GraphQuantizePlan(
                        options.Mode == QuantizationMode.Qdq ? QuantizationMode.Int8 : options.Mode,
                        part,
                        mix,
                        options.BlockSize,
                        Enabled: options.Mode == QuantizationMode.Qdq || options.Parts is null || options.Parts.Contains(part),
                        exclude);
                    partDecisions = GraphQuantizer.Rewrite(source, stem, plan, Path.Combine(temp, relative), Advance, cancellationToken);
                }

                decisions.AddRange(partDecisions);
                written.Add(relative);
                written.Add(relative + "_data");
                summaries.Add(new ManifestPartSummary(
                    stem,
                    relative,
                    partDecisions.Count(d => d.Quantized),
                    partDecisions.Count(d => !d.Quantized),
                    FileBytes(Path.Combine(temp, relative)),
                    FileBytes(path)));
            }

            stage = "package files";
            written.AddRange(CopyPackageFiles(package.Directory, temp));
            stage = "checksums";
            var sourceFiles = Checksums(package.Directory, SourceFiles(package.Directory, sources.Select(s => s.Path)), cancellationToken);
            manifest = new PackageManifest
            {
                Builder = BuilderVersion.Builder,
                BuilderVersion = BuilderVersion.Value,
                Mode = options.Mode.CliName(),
                WeightFormat = options.Mode.CliName(),
                Variant = variant,
                Options = OptionsRecord(options),
                ImageSize = package.Config.Vision.ImageSize,
                ImageTokens = package.Config.ImageTokenCount,
                SourcePackage = package.Directory,
                SourceVariant = package.Variant.Name,
                SourceFiles = sourceFiles,
                Parts = summaries,
                Nodes = decisions,
                Files = Checksums(temp, written, cancellationToken),
            };
            manifest.Write(temp);
            progress?.Report(new QuantizeProgress("done", 1.0));
            return Task.CompletedTask;
        }, options.Force).ConfigureAwait(false);

        return new QuantizeResult(outFull, variant, manifest!);
    }

    /// <summary>
    /// The base formats of the mode, the builder's for the same format (<see cref="WeightFormats.Mix"/>: int8 all 8-bit;
    /// int4 decoder 4-bit, vision 8-bit; w8a8 all w8a8; the embedding table int8), and the `--mix` rules, checked
    /// against the package's layer counts.
    /// </summary>
    private static WeightMix CreateMix(QuantizeOptions options, string packageDir)
    {
        if (!string.IsNullOrWhiteSpace(options.Mix) && options.Mode is not (QuantizationMode.Int8 or QuantizationMode.Int4 or QuantizationMode.W8A8))
            throw new QuantizeException($"--mix applies to --mode int8, int4 and w8a8; --mode {options.Mode.CliName()} has one format for every weight.");
        var format = options.Mode switch
        {
            QuantizationMode.Int4 => WeightFormat.Int4,
            QuantizationMode.W8A8 => WeightFormat.W8A8,
            _ => WeightFormat.Int8,
        };
        if (string.IsNullOrWhiteSpace(options.Mix))
            return format.Mix(null, 0, 0);

        // The layer counts a rule may name come from config.json (the one reader: it knows every default).
        PaliGemmaConfig config;
        try
        {
            config = PaliGemmaConfigReader.ReadCheckpoint(packageDir);
        }
        catch (ModelPackageException e)
        {
            throw new QuantizeException(e.Message, e);
        }

        return format.Mix(options.Mix, config.Vision.LayerCount, config.Text.LayerCount);
    }

    private static Dictionary<string, string> OptionsRecord(QuantizeOptions options)
    {
        var record = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["mode"] = options.Mode.CliName(),
            ["parts"] = options.Mode == QuantizationMode.Qdq ? string.Join(",", QdqParts(options).Order().Select(PartCliName))
                : options.Parts is null ? "vision,embed,decoder" : string.Join(",", options.Parts.Order().Select(PartCliName)),
            ["block_size"] = options.BlockSize.ToString(CultureInfo.InvariantCulture),
            ["exclude"] = string.Join(" ", options.Exclude ?? []),
            ["int4_scope"] = options.Mode == QuantizationMode.Int4 ? "decoder 4-bit, vision encoder 8-bit (as the builder)" : "",
            ["mix"] = options.Mix ?? "",
        };
        if (options.Mode == QuantizationMode.Qdq && options.Qdq is { } q)
        {
            record["calibration"] = Path.GetFullPath(q.CalibrationPath);
            record["calibration_frames"] = q.MaxCalibrationFrames.ToString(CultureInfo.InvariantCulture);
            record["calibration_method"] = q.Method.ToString().ToLowerInvariant();
            record["percentile"] = q.Method == CalibrationMethod.Percentile ? q.Percentile.ToString(CultureInfo.InvariantCulture) : "";
            record["activations"] = q.Activations.CliName();
            record["weights"] = q.Weights.CliName();
            record["per_channel"] = q.PerChannel ? "true" : "false";
            record["fixed_shapes"] = "batch 1 on every input and output of the QDQ parts";
            record["cpu_parts"] = "int8 MatMulNBits (block " + options.BlockSize.ToString(CultureInfo.InvariantCulture) + ") for the parts not in QDQ form";
        }

        return record;
    }

    /// <summary>Parts written in QDQ form: the vision encoder (the only part with fixed shapes).</summary>
    private static IReadOnlySet<ModelPart> QdqParts(QuantizeOptions options) => options.Parts ?? new HashSet<ModelPart> { ModelPart.VisionEncoder };

    private static void ValidateQdq(QuantizeOptions options)
    {
        if (options.Qdq is null || string.IsNullOrWhiteSpace(options.Qdq.CalibrationPath))
            throw new QuantizeException("--mode qdq needs --calibration DIR_OR_VIDEO: a folder of images or a video with frames like the camera's, to calibrate activation ranges.");
        options.Qdq.Validate();
        var unsupported = QdqParts(options).Where(p => p != ModelPart.VisionEncoder).Select(PartCliName).ToList();
        if (unsupported.Count > 0)
        {
            throw new QuantizeException(
                $"--mode qdq quantises the vision encoder only; --parts {string.Join(",", unsupported)} is not supported: the decoder's KV cache grows every step, " +
                "so it has no fixed shapes for an NPU, and embed_tokens is a table lookup. Those parts get the CPU int8 path in a qdq package.");
        }
    }

    public static string PartCliName(ModelPart part) => part switch
    {
        ModelPart.VisionEncoder => "vision",
        ModelPart.EmbedTokens => "embed",
        ModelPart.Decoder => "decoder",
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, null),
    };

    public static ModelPart ParsePart(string name) => name.Trim().ToLowerInvariant() switch
    {
        "vision" or "vision_encoder" => ModelPart.VisionEncoder,
        "embed" or "embed_tokens" => ModelPart.EmbedTokens,
        "decoder" or "decoder_model_merged" => ModelPart.Decoder,
        _ => throw new QuantizeException($"--parts '{name}' is not one of vision, embed, decoder."),
    };

    /// <summary>Bytes of all initializers of a graph (what the progress bar counts), read from the graph alone.</summary>
    private static long InitializerBytes(string path)
    {
        using var source = OnnxModelSource.Open(path);
        return source.Model.Graph.Initializer.Sum(t => OnnxModelSource.ElementCount(t) * OnnxTypes.ByteSize((DataType)t.DataType));
    }

    private static long FileBytes(string onnxPath) =>
        new FileInfo(onnxPath).Length + (File.Exists(onnxPath + "_data") ? new FileInfo(onnxPath + "_data").Length : 0)
        + (File.Exists(onnxPath + ".data") ? new FileInfo(onnxPath + ".data").Length : 0);

    /// <summary>Top-level package files (config, tokenizer, ...) and the segmentation decoder, which quantisation does not touch.</summary>
    private static List<string> CopyPackageFiles(string sourceDir, string outDir)
    {
        var copied = new List<string>();
        foreach (var file in Directory.EnumerateFiles(sourceDir))
        {
            var name = Path.GetFileName(file);
            if (name == PackageFiles.Manifest)
                continue;
            File.Copy(file, Path.Combine(outDir, name));
            copied.Add(name);
        }

        foreach (var name in new[] { PackageFiles.VaeDecoder, PackageFiles.VaeDecoder + PackageFiles.ExternalDataSuffix })
        {
            var file = Path.Combine(sourceDir, PackageFiles.OnnxFolder, name);
            if (!File.Exists(file))
                continue;
            var relative = $"{PackageFiles.OnnxFolder}/{name}";
            File.Copy(file, Path.Combine(outDir, relative));
            copied.Add(relative);
        }

        return copied;
    }

    /// <summary>The source package's files this quantisation read, relative to its folder.</summary>
    private static IEnumerable<string> SourceFiles(string dir, IEnumerable<string> graphs)
    {
        foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
            yield return Path.GetFileName(file);
        foreach (var graph in graphs)
        {
            foreach (var path in new[] { graph, graph + "_data", graph + ".data" })
                yield return Path.GetRelativePath(dir, path).Replace('\\', '/');
        }
    }

    private static List<ManifestFile> Checksums(string dir, IEnumerable<string> relativePaths, CancellationToken cancellationToken)
    {
        var entries = new List<ManifestFile>();
        foreach (var relative in relativePaths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = Path.Combine(dir, relative);
            if (!File.Exists(path))
                continue;
            entries.Add(ManifestFile.Describe(dir, relative));
        }

        return entries;
    }
}
