namespace EdgePali.Bench;

// Int8/Int4/Fp32 name the formats users choose (--weights int8), as the builder's WeightFormat; CA1720 reads them as type names.
#pragma warning disable CA1720

/// <summary>Weight formats a package can be built and benchmarked in (edgepali-quantize build --weights).</summary>
public enum BenchWeights
{
    Int8,

    // Snake case would write "w8_a8" in --json; the report uses the CLI name.
    [System.Text.Json.Serialization.JsonStringEnumMemberName("w8a8")]
    W8A8,

    Int4,
    Fp32,
}

#pragma warning restore CA1720
