using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace EdgePali.Vision.Packages;

/// <summary>One file of a package with its size and SHA-256, so a corrupt or partial copy is detected before serving.</summary>
/// <param name="Path">Relative to the package, '/' separated ("onnx/decoder_model_merged_int8.onnx").</param>
/// <param name="Bytes">The file's length.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes.</param>
public sealed record ManifestFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256)
{
    /// <summary>The entry for <paramref name="relativePath"/> in <paramref name="packageDirectory"/>: its length and sha256, read now.</summary>
    public static ManifestFile Describe(string packageDirectory, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(packageDirectory);
        ArgumentNullException.ThrowIfNull(relativePath);
        using var stream = System.IO.File.OpenRead(System.IO.Path.Combine(packageDirectory, relativePath));
        return new ManifestFile(relativePath.Replace('\\', '/'), stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }
}

/// <summary>One linear layer of a built graph and the weight format it got ("int8", "int4@1", "fp32").</summary>
/// <param name="Layer">The layer's scope, e.g. "layers.17.gate_up" or "embed_tokens".</param>
/// <param name="Format">Its weight format; "@n" names a MatMulNBits accuracy level other than the default.</param>
public sealed record ManifestLayerFormat(
    [property: JsonPropertyName("layer")] string Layer,
    [property: JsonPropertyName("format")] string Format);

/// <summary>What <c>quantize</c> did with one weight-carrying node (MatMul, Gemm, Conv, Gather of a table) and why.</summary>
/// <param name="Part">vision_encoder, embed_tokens or decoder_model_merged.</param>
/// <param name="Node">The source node's name (or its first output when unnamed).</param>
/// <param name="Op">The source operator.</param>
/// <param name="Quantized">True when the node was rewritten.</param>
/// <param name="Detail">The replacement (e.g. "MatMulNBits bits=8 block=32 K=64 N=192") or why it stayed float.</param>
public sealed record ManifestNodeDecision(
    [property: JsonPropertyName("part")] string Part,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("quantized")] bool Quantized,
    [property: JsonPropertyName("detail")] string Detail);

/// <summary>Counts of one part's weight nodes by outcome, as <c>quantize</c> records them.</summary>
/// <param name="Part">vision_encoder, embed_tokens or decoder_model_merged.</param>
/// <param name="File">The written graph, relative to the package.</param>
/// <param name="QuantizedNodes">Weight nodes rewritten.</param>
/// <param name="FloatNodes">Weight nodes left float.</param>
/// <param name="Bytes">Size of the written graph and its external data.</param>
/// <param name="SourceBytes">Size of the source graph and its external data.</param>
public sealed record ManifestPartSummary(
    [property: JsonPropertyName("part")] string Part,
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("quantized_nodes")] int QuantizedNodes,
    [property: JsonPropertyName("float_nodes")] int FloatNodes,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("source_bytes")] long SourceBytes);
