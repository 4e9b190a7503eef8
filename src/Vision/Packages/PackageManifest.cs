using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EdgePali.Vision.Packages;

/// <summary>
/// edgepali.json, the one manifest shape: written by <c>edgepali-quantize build</c> and <c>quantize</c>, read by
/// the engine. It lists every file with its size and sha256, so a corrupted or half-copied model is caught
/// before it serves, and records how the package was made. Fields only one writer fills stay empty (and are
/// left out of the file) for the other: <c>build</c> records the checkpoint, the quantisation notes and each
/// layer's format; <c>quantize</c> records its mode, options, source package and a decision per weight node.
/// </summary>
public sealed record PackageManifest
{
    /// <summary>The graph layout of manifests that do not record one (older builds, <c>quantize</c>, other exporters).</summary>
    public const string StandardGraph = "standard";

    /// <summary>Version of this manifest format; bumped when a field changes meaning.</summary>
    [JsonPropertyName("format_version")]
    public int FormatVersion { get; init; } = 1;

    /// <summary>The tool that wrote the package ("edgepali-quantize").</summary>
    [JsonPropertyName("builder")]
    public string Builder { get; init; } = "";

    /// <summary>That tool's version, so a package can be traced to the code that built it.</summary>
    [JsonPropertyName("builder_version")]
    public string BuilderVersion { get; init; } = "";

    /// <summary><c>build</c>: the checkpoint folder the weights came from.</summary>
    [JsonPropertyName("source_checkpoint")]
    public string? SourceCheckpoint { get; init; }

    /// <summary><c>build</c>: PaliGemma 1 or 2.</summary>
    [JsonPropertyName("paligemma_version")]
    public int? PaliGemmaVersion { get; init; }

    /// <summary><c>quantize</c>: the quantisation mode (int8, int4, dynamic-int8, qdq).</summary>
    [JsonPropertyName("mode")]
    public string? Mode { get; init; }

    /// <summary>How the linear-layer weights are stored (fp32, int8, int4; <c>quantize</c>: its mode).</summary>
    [JsonPropertyName("weight_format")]
    public string? WeightFormat { get; init; }

    /// <summary><c>quantize</c>: the variant name of the written graphs (their file suffix).</summary>
    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    /// <summary><c>build</c>: MatMulNBits block size; null when nothing is quantised.</summary>
    [JsonPropertyName("block_size")]
    public int? BlockSize { get; init; }

    /// <summary><c>quantize</c>: the options it ran with, by name.</summary>
    [JsonPropertyName("options")]
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>Side of the square input image in pixels.</summary>
    [JsonPropertyName("image_size")]
    public int ImageSize { get; init; }

    /// <summary>Image tokens per image.</summary>
    [JsonPropertyName("image_tokens")]
    public int ImageTokens { get; init; }

    /// <summary><c>build</c>: how each part was quantised, in words.</summary>
    [JsonPropertyName("quantization")]
    public IReadOnlyList<string> Quantization { get; init; } = [];

    /// <summary><c>build</c>: what stayed float and why.</summary>
    [JsonPropertyName("kept_float")]
    public IReadOnlyList<string> KeptFloat { get; init; } = [];

    /// <summary><c>build</c>: known differences from the reference model.</summary>
    [JsonPropertyName("limitations")]
    public IReadOnlyList<string> Limitations { get; init; } = [];

    /// <summary><c>quantize</c>: the package it read.</summary>
    [JsonPropertyName("source_package")]
    public string? SourcePackage { get; init; }

    /// <summary><c>quantize</c>: the variant of the package it read.</summary>
    [JsonPropertyName("source_variant")]
    public string? SourceVariant { get; init; }

    /// <summary><c>quantize</c>: the source files with their sha256 (exactly what was quantised).</summary>
    [JsonPropertyName("source_files")]
    public IReadOnlyList<ManifestFile> SourceFiles { get; init; } = [];

    /// <summary><c>quantize</c>: per part, how many weight nodes were quantised and the sizes.</summary>
    [JsonPropertyName("parts")]
    public IReadOnlyList<ManifestPartSummary> Parts { get; init; } = [];

    /// <summary><c>quantize</c>: what happened to each weight-carrying node and why.</summary>
    [JsonPropertyName("nodes")]
    public IReadOnlyList<ManifestNodeDecision> Nodes { get; init; } = [];

    /// <summary>The package's files with size and sha256; the engine checks those it uses before serving.</summary>
    [JsonPropertyName("files")]
    public IReadOnlyList<ManifestFile> Files { get; init; } = [];

    /// <summary>"last" (logits [B, 1, V]) or "all" (logits [B, T, V]); null in older manifests (all).</summary>
    [JsonPropertyName("decoder_logits")]
    public string? DecoderLogits { get; init; }

    /// <summary>
    /// The graph layout, "standard" (standard ONNX ops, the transformers.js layout) or "fused" (ONNX Runtime
    /// contrib ops); both have the same inputs and outputs, so the engine runs either the same way. Null when not
    /// recorded: read as <see cref="StandardGraph"/> (<see cref="GraphLayout"/>).
    /// </summary>
    [JsonPropertyName("graph")]
    public string? Graph { get; init; }

    /// <summary><c>build</c>: the <c>--mix</c> rules; null when every part has its base format.</summary>
    [JsonPropertyName("weight_mix")]
    public string? WeightMix { get; init; }

    /// <summary><c>build</c>: each linear layer's weight format.</summary>
    [JsonPropertyName("layers")]
    public IReadOnlyList<ManifestLayerFormat> Layers { get; init; } = [];

    /// <summary>The graph layout, <see cref="StandardGraph"/> when the manifest does not say.</summary>
    [JsonIgnore]
    public string GraphLayout => Graph ?? StandardGraph;

    /// <summary>
    /// How edgepali.json is written and read: indented; nulls and empty lists left out, so each writer's file
    /// holds only what it knows; missing required file fields refused rather than read as null.
    /// </summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OmitEmptyCollections } },
    };

    /// <summary>The entry of <paramref name="relativePath"/> ('/' or '\' separated, "./" allowed), or null when not listed.</summary>
    public ManifestFile? FindFile(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var wanted = Normalize(relativePath);
        return Files.FirstOrDefault(f => string.Equals(Normalize(f.Path), wanted, StringComparison.Ordinal));
    }

    /// <summary>Reads edgepali.json in <paramref name="directory"/>; null when there is none (it is optional).</summary>
    public static PackageManifest? TryRead(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var path = Path.Combine(directory, PackageFiles.Manifest);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<PackageManifest>(File.ReadAllBytes(path), JsonOptions)
                   ?? throw new ModelPackageException($"{path} holds null instead of a manifest. Rebuild the package or delete the manifest.");
        }
        catch (JsonException ex)
        {
            throw new ModelPackageException(
                $"{path} is not a valid {PackageFiles.Manifest} ({ex.Path}, line {ex.LineNumber + 1}): {ex.Message}. Rebuild the package or delete the manifest.", ex);
        }
    }

    /// <summary>Reads edgepali.json in <paramref name="directory"/>, which must exist.</summary>
    public static PackageManifest Read(string directory) =>
        TryRead(directory) ?? throw new ModelPackageException($"'{directory}' has no {PackageFiles.Manifest}: it was not built by edgepali-quantize.");

    /// <summary>Writes this manifest as edgepali.json into <paramref name="directory"/>.</summary>
    public void Write(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        File.WriteAllText(Path.Combine(directory, PackageFiles.Manifest), JsonSerializer.Serialize(this, JsonOptions));
    }

    private static string Normalize(string relativePath)
    {
        var p = relativePath.Replace('\\', '/');
        return p.StartsWith("./", StringComparison.Ordinal) ? p[2..] : p;
    }

    private static void OmitEmptyCollections(JsonTypeInfo type)
    {
        if (type.Type != typeof(PackageManifest))
        {
            return;
        }

        foreach (var property in type.Properties)
        {
            if (property.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(property.PropertyType))
            {
                property.ShouldSerialize = static (_, value) => value is not ICollection { Count: 0 };
            }
        }
    }
}
