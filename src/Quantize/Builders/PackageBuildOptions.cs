using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Builders;

/// <summary>What to build: a model package in <paramref name="OutDir"/> from the checkpoint in <paramref name="CheckpointDir"/>.</summary>
/// <param name="Weights">
/// The weight format; w8a8 by default: agreement with fp32 within a few positions of block-wise int8 on the test checkpoints, and about
/// 2x faster end to end (prefill and vision 2-3x) on CPUs with int8 dot products (docs/quantize.md "w8a8").
/// </param>
/// <param name="BlockSize">MatMulNBits block size along K (power of two, at least 16).</param>
/// <param name="ImageSize">Must equal the checkpoint's vision image_size when given (position embeddings are not interpolated).</param>
/// <param name="Logits">Decoder logits for the last position only (default; all generation needs) or for every position.</param>
/// <param name="Graph">Standard ops (the transformers.js layout) or ONNX Runtime's fused contrib ops.</param>
/// <param name="Mix">Mixed-precision rules (`--mix`, see <see cref="Quantization.WeightMix"/>) over the base <paramref name="Weights"/>; null for none.</param>
public sealed record PackageBuildOptions(
    string CheckpointDir,
    string OutDir,
    WeightFormat Weights = WeightFormat.W8A8,
    int BlockSize = 32,
    int? ImageSize = null,
    DecoderLogits Logits = DecoderLogits.LastPosition,
    GraphLayout Graph = GraphLayout.Standard,
    string? Mix = null);

/// <summary>Progress of a build: the file being written and the fraction of all weights processed.</summary>
public sealed record PackageBuildProgress(string Stage, double Fraction);

/// <summary>A finished package: its folder, the ONNX files written and the manifest.</summary>
public sealed record PackageBuildResult(string OutDir, IReadOnlyList<string> ModelFiles, PackageManifest Manifest);
