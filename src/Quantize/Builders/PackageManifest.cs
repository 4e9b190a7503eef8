using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgePali.Quantize.Builders;

/// <summary>One file of a package with its size and SHA-256, so a corrupt or partial copy is detected before serving.</summary>
public sealed record ManifestFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256);

/// <summary>
/// `edgepali.json`: what a package was built from, how its weights are stored and what stayed float.
/// <see cref="DecoderLogits"/>: "last" (logits [B, 1, V]) or "all" (logits [B, T, V]); absent in older manifests (all).
/// <see cref="Graph"/>: "standard" or "fused" (<see cref="GraphLayout"/>; absent in older manifests: standard).
/// <see cref="WeightMix"/>: the `--mix` rules (null when every part has its base format); <see cref="Layers"/>: each
/// linear layer's format.
/// </summary>
public sealed record PackageManifest(
    [property: JsonPropertyName("format_version")] int FormatVersion,
    [property: JsonPropertyName("builder")] string Builder,
    [property: JsonPropertyName("builder_version")] string BuilderVersion,
    [property: JsonPropertyName("source_checkpoint")] string SourceCheckpoint,
    [property: JsonPropertyName("paligemma_version")] int PaliGemmaVersion,
    [property: JsonPropertyName("weight_format")] string WeightFormat,
    [property: JsonPropertyName("block_size")] int? BlockSize,
    [property: JsonPropertyName("image_size")] int ImageSize,
    [property: JsonPropertyName("image_tokens")] int ImageTokens,
    [property: JsonPropertyName("quantization")] IReadOnlyList<string> Quantization,
    [property: JsonPropertyName("kept_float")] IReadOnlyList<string> KeptFloat,
    [property: JsonPropertyName("limitations")] IReadOnlyList<string> Limitations,
    [property: JsonPropertyName("files")] IReadOnlyList<ManifestFile> Files,
    [property: JsonPropertyName("decoder_logits")] string? DecoderLogits = null,
    [property: JsonPropertyName("graph")] string? Graph = null,
    [property: JsonPropertyName("weight_mix")] string? WeightMix = null,
    [property: JsonPropertyName("layers")] IReadOnlyList<LinearLayerFormat>? Layers = null)
{
    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static PackageManifest Load(string packageDir) =>
        JsonSerializer.Deserialize<PackageManifest>(File.ReadAllText(System.IO.Path.Combine(packageDir, ModelFileNames.Manifest)), JsonOptions)
        ?? throw new InvalidDataException($"'{packageDir}/{ModelFileNames.Manifest}' is empty.");
}
