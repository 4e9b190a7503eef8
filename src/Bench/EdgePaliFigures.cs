namespace EdgePali.Bench;

/// <summary>EdgePali's figures. Times in ms; decode per token is over the single-token decoder steps (new tokens - 1).</summary>
/// <param name="LoadMs">PaliGemmaEngine.LoadAsync: open, create and validate the sessions, load the tokenizer (checksums not verified).</param>
/// <param name="ChecksumMs">Verifying the package's sha256 sums, which the worker does at start by default.</param>
/// <param name="EndToEndMs">One AnalyzeAsync call on the 1080p frame: preprocess, vision, prefill, decode, detokenise, parse.</param>
/// <param name="VisionPrefillCoreSeconds">(vision + prefill) median wall time x threads: comparable across machines with different core counts.</param>
/// <param name="RssLoadedBytes">VmRSS after load and warm-up (the steady state a worker sits at).</param>
/// <param name="PeakRssBytes">VmHWM at the end of the runs.</param>
/// <param name="PeakRssToDiskRatio">Peak RSS / model bytes on disk.</param>
public sealed record EdgePaliFigures(
    double LoadMs,
    double ChecksumMs,
    SampleSummary PreprocessMs,
    SampleSummary VisionMs,
    SampleSummary PrefillMs,
    SampleSummary DecodeMsPerToken,
    SampleSummary DecodeTokensPerSecond,
    SampleSummary EndToEndMs,
    int GeneratedTokens,
    double VisionPrefillCoreSeconds,
    long RssLoadedBytes,
    long PeakRssBytes,
    double PeakRssToDiskRatio);
