using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Rewriting;

/// <summary>What `quantize` should do: read the float package in <paramref name="ModelDir"/>, write a new one in <paramref name="OutDir"/>.</summary>
/// <param name="Parts">Parts to quantise; the others are copied unchanged under the new variant's names. Null: all
/// (qdq: the vision encoder, the only part with fixed shapes; the decoder and embed_tokens get the CPU int8 path).</param>
/// <param name="BlockSize">MatMulNBits block size along K (power of two, at least 16); also the embedding table's scale block.</param>
/// <param name="Exclude">Node-name globs (* and ?) matched against node names, outputs and weight names: those stay float.</param>
/// <param name="Force">Replace an existing non-empty output folder (only after the new package is complete).</param>
/// <param name="SourceVariant">Variant of the source package to read (default: fp32).</param>
/// <param name="Qdq">Calibration and types for <see cref="QuantizationMode.Qdq"/> (required there, ignored otherwise).</param>
/// <param name="Mix">Mixed-precision rules over the mode's formats (int8/int4 only; syntax: <see cref="Quantization.WeightMix"/>).</param>
public sealed record QuantizeOptions(
    string ModelDir,
    string OutDir,
    QuantizationMode Mode,
    IReadOnlySet<ModelPart>? Parts = null,
    int BlockSize = 32,
    IReadOnlyList<string>? Exclude = null,
    bool Force = false,
    string? SourceVariant = null,
    Qdq.QdqOptions? Qdq = null,
    string? Mix = null);

/// <summary>Progress of a quantisation: the part being written and the fraction of all weight bytes processed.</summary>
public sealed record QuantizeProgress(string Stage, double Fraction);

/// <summary>A finished package: its folder, variant name and manifest.</summary>
public sealed record QuantizeResult(string OutDir, string Variant, PackageManifest Manifest);
