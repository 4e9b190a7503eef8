namespace EdgePali.Quantize.Checkpoints;

/// <summary>Architectures <see cref="TestCheckpoint"/> can generate random-weight checkpoints for.</summary>
// The names mirror the CLI presets (pg1-224) and are the agreed public API; CA1707 would forbid the underscore.
#pragma warning disable CA1707
public enum TestCheckpointPreset
{
    /// <summary>PaliGemma 1 architecture (Gemma, MQA), tiny widths, full 257216-row vocabulary, 56 px -> 16 image tokens.</summary>
    Tiny,

    /// <summary>PaliGemma 2 architecture (Gemma 2: softcaps, 4 norms per block, query_pre_attn_scalar, GQA 4/2), tiny widths.</summary>
    Tiny2,

    /// <summary>The real paligemma-3b-*-224 dimensions (benchmarks; about 5.9 GB in bf16).</summary>
    Pg1_224,

    /// <summary>The real paligemma2-3b-*-224 dimensions.</summary>
    Pg2_224,
}
#pragma warning restore CA1707
