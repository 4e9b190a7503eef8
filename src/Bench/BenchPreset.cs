namespace EdgePali.Bench;

/// <summary>Which random-weight PaliGemma the default benchmark package is built from (edgepali-quantize make-test-checkpoint --preset).</summary>
public enum BenchPreset
{
    /// <summary>Full-size PaliGemma 1 3B at 224 px: the figures that matter.</summary>
    PaliGemma1At224,

    /// <summary>Full-size PaliGemma 2 3B at 224 px.</summary>
    PaliGemma2At224,

    /// <summary>A few-MB model with the same architecture: for CI smoke runs, its timings mean nothing.</summary>
    Tiny,
}
