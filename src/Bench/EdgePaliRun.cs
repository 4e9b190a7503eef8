namespace EdgePali.Bench;

/// <summary>One EdgePali run (ms): the engine's own stage timings plus the wall time of the whole call.</summary>
public sealed record EdgePaliRun(double PreprocessMs, double VisionMs, double PrefillMs, double DecodeMs, int GeneratedTokens, double EndToEndMs)
{
    /// <summary>Per single-token decoder step: the first token comes from the prefill's logits, so N tokens take N - 1 steps.</summary>
    public double DecodeMsPerStep => GeneratedTokens > 1 ? DecodeMs / (GeneratedTokens - 1) : 0;
}
