namespace EdgePali.Bench;

/// <summary>The package measured.</summary>
/// <param name="DiskBytes">Bytes of the variant's ONNX files and external data (what the process maps or loads).</param>
/// <param name="PromptTokens">Image tokens + bos + prefix + newline.</param>
public sealed record BenchModelDescription(
    string Directory,
    string Family,
    string Variant,
    int ImageSize,
    int ImageTokens,
    int PromptTokens,
    int DecoderLayers,
    int HiddenSize,
    long DiskBytes,
    DecoderWeightBytes DecoderWeights);
