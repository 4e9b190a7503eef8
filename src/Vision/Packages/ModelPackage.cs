using System.Security.Cryptography;

namespace EdgePali.Vision.Packages;

/// <summary>
/// A model package on disk in the transformers.js export layout (what our builder writes and what
/// Xenova/paligemma-3b-mix-224 or onnx-community/paligemma2-* publish):
/// <code>
/// config.json  preprocessor_config.json  tokenizer.json  [generation_config.json]  [edgepali.json]
/// onnx/vision_encoder{suffix}.onnx  onnx/embed_tokens{suffix}.onnx  onnx/decoder_model_merged{suffix}.onnx
/// [onnx/vae_decoder.onnx]   (segmentation masks)
/// </code>
/// Opening checks that the files exist and the configuration is coherent; the graphs themselves are
/// checked against the configuration when sessions are created (<see cref="ModelSignatureValidator"/>).
/// </summary>
public sealed class ModelPackage
{
    private ModelPackage(string directory, ModelVariant variant, PaliGemmaConfig config, PackageManifest? manifest)
    {
        Directory = directory;
        Variant = variant;
        Config = config;
        Manifest = manifest;
        var vae = Path.Combine(directory, PackageFiles.OnnxFolder, PackageFiles.VaeDecoder);
        VaeDecoderPath = File.Exists(vae) ? vae : null;
    }

    /// <summary>Absolute path of the package folder.</summary>
    public string Directory { get; }

    /// <summary>The variant whose graphs the sessions load.</summary>
    public ModelVariant Variant { get; }

    /// <summary>The configuration read from config.json, preprocessor_config.json and generation_config.json.</summary>
    public PaliGemmaConfig Config { get; }

    /// <summary>edgepali.json when the package has one.</summary>
    public PackageManifest? Manifest { get; }

    /// <summary>Absolute path of the package's tokenizer.json.</summary>
    public string TokenizerPath => Path.Combine(Directory, PackageFiles.Tokenizer);

    /// <summary>onnx/vae_decoder.onnx (segmentation mask decoder) when present.</summary>
    public string? VaeDecoderPath { get; }

    /// <summary>The ONNX file of <paramref name="part"/> in the chosen variant.</summary>
    public string PathOf(ModelPart part) => PartPath(Directory, part, Variant);

    /// <summary>
    /// Opens the package in <paramref name="directory"/> with the given variant (null: the first complete one of
    /// int8, q4, quantized, uint8, fp32, ...). Throws <see cref="ModelPackageException"/> naming what is wrong.
    /// </summary>
    public static ModelPackage Open(string directory, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var dir = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(dir))
        {
            throw new ModelPackageException($"Model package folder '{dir}' does not exist. Pass the folder that holds config.json and onnx/.");
        }

        foreach (var required in new[] { PackageFiles.Config, PackageFiles.PreprocessorConfig, PackageFiles.Tokenizer })
        {
            if (!File.Exists(Path.Combine(dir, required)))
            {
                throw new ModelPackageException(
                    $"{required} is missing from the model package '{dir}'. A package needs config.json, preprocessor_config.json, tokenizer.json and onnx/ (transformers.js layout); rebuild it with edgepali-quantize build.");
            }
        }

        var config = PaliGemmaConfigReader.Read(dir);
        var chosen = ChooseVariant(dir, variant);
        return new ModelPackage(dir, chosen, config, PackageManifest.TryRead(dir));
    }

    /// <summary>Variants with all three graphs present, by name ("fp32", "int8", ...).</summary>
    public static IReadOnlyList<ModelVariant> FindVariants(string directory)
    {
        var onnx = Path.Combine(directory, PackageFiles.OnnxFolder);
        if (!System.IO.Directory.Exists(onnx))
        {
            return [];
        }

        var stem = ModelPart.Decoder.FileStem();
        return System.IO.Directory.EnumerateFiles(onnx, stem + "*.onnx")
            .Select(f => Path.GetFileNameWithoutExtension(f)[stem.Length..])
            .Where(s => s.Length == 0 || s[0] == '_')
            .Select(ModelVariant.FromSuffix)
            .Where(v => Enum.GetValues<ModelPart>().All(p => File.Exists(PartPath(directory, p, v))))
            .OrderBy(v => v.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Checks every file of this variant that edgepali.json lists against its recorded size and sha256.
    /// Catches half-copied or bit-rotted models before they serve. No-op without a manifest.
    /// </summary>
    public async Task VerifyChecksumsAsync(CancellationToken cancellationToken)
    {
        if (Manifest is null)
        {
            return;
        }

        foreach (var path in FilesInUse())
        {
            var relative = Path.GetRelativePath(Directory, path).Replace('\\', '/');
            if (Manifest.FindFile(relative) is not { } entry)
            {
                continue;
            }

            var length = new FileInfo(path).Length;
            if (entry.Bytes != length)
            {
                throw new ModelPackageException(
                    $"{relative} is {length} bytes but {PackageFiles.Manifest} records {entry.Bytes}: the file is truncated or was replaced. Copy the package again or rebuild it.");
            }

            var expected = entry.Sha256.ToLowerInvariant();
            string actual;
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }

            if (!string.Equals(actual, expected, StringComparison.Ordinal))
            {
                throw new ModelPackageException(
                    $"{relative} has sha256 {actual} but {PackageFiles.Manifest} records {expected}: the file is corrupt or from another build. Copy the package again or rebuild it.");
            }
        }
    }

    /// <summary>The files a session of this variant reads, external-data files included.</summary>
    internal IEnumerable<string> FilesInUse()
    {
        yield return Path.Combine(Directory, PackageFiles.Config);
        yield return Path.Combine(Directory, PackageFiles.PreprocessorConfig);
        yield return TokenizerPath;
        var graphs = Enum.GetValues<ModelPart>().Select(PathOf).Append(VaeDecoderPath);
        foreach (var path in graphs.OfType<string>())
        {
            yield return path;
            foreach (var data in new[] { path + PackageFiles.ExternalDataSuffix, path + ".data" })
            {
                if (File.Exists(data))
                {
                    yield return data;
                }
            }
        }
    }

    private static string PartPath(string directory, ModelPart part, ModelVariant variant) =>
        Path.Combine(directory, PackageFiles.GraphPath(part, variant));

    private static ModelVariant ChooseVariant(string dir, string? requested)
    {
        var available = FindVariants(dir);
        if (requested is null)
        {
            foreach (var name in ModelVariant.AutoPreference)
            {
                var match = available.FirstOrDefault(v => v.Name == name);
                if (match.Name is not null)
                {
                    return match;
                }
            }

            return available.Count > 0
                ? available[0]
                : throw new ModelPackageException(
                    $"No complete model variant in '{Path.Combine(dir, PackageFiles.OnnxFolder)}': {DescribeMissing(dir, ModelVariant.Fp32)}. A variant needs vision_encoder, embed_tokens and decoder_model_merged with the same suffix.");
        }

        var wanted = ModelVariant.Parse(requested);
        if (Enum.GetValues<ModelPart>().All(p => File.Exists(PartPath(dir, p, wanted))))
        {
            return wanted;
        }

        var list = available.Count == 0 ? "none" : string.Join(", ", available.Select(v => v.Name));
        throw new ModelPackageException(
            $"Model variant '{wanted.Name}' is not complete in '{dir}': {DescribeMissing(dir, wanted)}. Available variants: {list}.");
    }

    private static string DescribeMissing(string dir, ModelVariant variant)
    {
        var missing = Enum.GetValues<ModelPart>()
            .Select(p => PartPath(dir, p, variant))
            .Where(p => !File.Exists(p))
            .Select(p => Path.GetRelativePath(dir, p))
            .ToList();
        return missing.Count == 0 ? "all files present" : "missing " + string.Join(", ", missing);
    }
}
