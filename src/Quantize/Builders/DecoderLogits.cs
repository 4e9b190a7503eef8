namespace EdgePali.Quantize.Builders;

/// <summary>Which positions of a decoder call get logits.</summary>
public enum DecoderLogits
{
    /// <summary>
    /// logits [B, 1, V] for the last position only, in prefill and decode alike: generation needs nothing else, and
    /// the LM head over every prompt position (260 x 257216 x 2048 multiply-adds for a 224 px prompt) was about a
    /// fifth of the prefill. The engine and transformers.js (logits[:, -1, :]) both take the last row. The default.
    /// </summary>
    LastPosition,

    /// <summary>logits [B, T, V] for every input position, as the transformers.js exports: for tests and tools that score the prompt.</summary>
    AllPositions,
}

public static class DecoderLogitsNames
{
    /// <summary>The CLI / manifest spelling: "last" or "all".</summary>
    public static string CliName(this DecoderLogits logits) => logits == DecoderLogits.AllPositions ? "all" : "last";
}
