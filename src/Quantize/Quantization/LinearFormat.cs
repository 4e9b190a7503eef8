namespace EdgePali.Quantize.Quantization;

/// <summary>How one linear layer is stored: <paramref name="Bits"/> 8 or 4 (MatMulNBits) or null (float32).</summary>
// Int8/Int4 name the storage formats users choose (--mix decoder=int4); CA1720 reads them as type names.
#pragma warning disable CA1720
public sealed record LinearFormat(int? Bits, int AccuracyLevel = WeightMix.DefaultAccuracyLevel)
{
    public static readonly LinearFormat Fp32 = new((int?)null);
    public static readonly LinearFormat Int8 = new(8);
    public static readonly LinearFormat Int4 = new(4);

    public bool IsFloat => Bits is null;

    /// <summary>"int8", "int4@1", "fp32".</summary>
    public override string ToString() => Bits switch
    {
        null => "fp32",
        _ => $"int{Bits}" + (AccuracyLevel == WeightMix.DefaultAccuracyLevel ? "" : $"@{AccuracyLevel}"),
    };
}
#pragma warning restore CA1720
