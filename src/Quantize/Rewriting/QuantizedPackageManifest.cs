using System.Text.Json;
using System.Text.Json.Serialization;
using EdgePali.Quantize.Builders;

namespace EdgePali.Quantize.Rewriting;

/// <summary>Counts of one part's weight nodes by outcome.</summary>
public sealed record PartSummary(
    [property: JsonPropertyName("part")] string Part,
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("quantized_nodes")] int QuantizedNodes,
    [property: JsonPropertyName("float_nodes")] int FloatNodes,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("source_bytes")] long SourceBytes);

/// <summary>
/// `edgepali.json` of a package written by `quantize`: the mode and options, the source package's files with
/// their sha256 (what exactly was quantised), a per-node account of what was quantised and what stayed float and
/// why, and the new files with their sha256 (the engine checks them before serving). Field names follow the
/// builder's manifest where they mean the same thing.
/// </summary>
public sealed record QuantizedPackageManifest(
    [property: JsonPropertyName("format_version")] int FormatVersion,
    [property: JsonPropertyName("builder")] string Builder,
    [property: JsonPropertyName("builder_version")] string BuilderVersion,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("weight_format")] string WeightFormat,
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("options")] IReadOnlyDictionary<string, string> Options,
    [property: JsonPropertyName("image_size")] int ImageSize,
    [property: JsonPropertyName("image_tokens")] int ImageTokens,
    [property: JsonPropertyName("source_package")] string SourcePackage,
    [property: JsonPropertyName("source_variant")] string SourceVariant,
    [property: JsonPropertyName("source_files")] IReadOnlyList<ManifestFile> SourceFiles,
    [property: JsonPropertyName("parts")] IReadOnlyList<PartSummary> Parts,
    [property: JsonPropertyName("nodes")] IReadOnlyList<NodeDecision> Nodes,
    [property: JsonPropertyName("files")] IReadOnlyList<ManifestFile> Files)
{
    public static QuantizedPackageManifest Load(string packageDir) =>
        JsonSerializer.Deserialize<QuantizedPackageManifest>(File.ReadAllText(Path.Combine(packageDir, ModelFileNames.Manifest)), PackageManifest.JsonOptions)
        ?? throw new InvalidDataException($"'{packageDir}/{ModelFileNames.Manifest}' is empty.");
}
