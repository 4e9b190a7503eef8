namespace EdgePali.Bench;

/// <summary>
/// transformers.js (onnxruntime-node) on the same files, or on <paramref name="ModelDirectory"/> from --compare-model.
/// first_token covers vision + embeddings + prefill.
/// </summary>
public sealed record TransformersJsFigures(
    string TransformersJsVersion,
    string OnnxRuntimeNodeVersion,
    double LoadMs,
    SampleSummary PreprocessMs,
    SampleSummary FirstTokenMs,
    SampleSummary DecodeMsPerToken,
    SampleSummary DecodeTokensPerSecond,
    SampleSummary EndToEndMs,
    int GeneratedTokens,
    long PeakRssBytes,
    string ModelDirectory,
    string Graph);
