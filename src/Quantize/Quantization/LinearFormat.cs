namespace EdgePali.Quantize.Quantization;

/// <summary>
/// How one linear layer is stored: <paramref name="Bits"/> 8 or 4 (MatMulNBits) or null (float32). With
/// <paramref name="PerTokenActivations"/> (format "w8a8") the weights are int8 with one scale per output channel and
/// the input is quantised to 8 bits per token at run time: MatMulIntegerToFloat, the integer GEMM (MLAS QGEMM).
/// </summary>
// Int8/Int4 name the storage formats users choose (--mix decoder=int4); CA1720 reads them as type names.
#pragma warning disable CA1720
public sealed record LinearFormat(int? Bits, int AccuracyLevel = WeightMix.DefaultAccuracyLevel, bool PerTokenActivations = false)
{
    public static readonly LinearFormat Fp32 = new((int?)null);
    public static readonly LinearFormat Int8 = new(8);
    public static readonly LinearFormat Int4 = new(4);
    public static readonly LinearFormat W8A8 = new(8, PerTokenActivations: true);

    public bool IsFloat => Bits is null;

    /// <summary>"int8", "int4@1", "w8a8", "fp32".</summary>
    public override string ToString() => this switch
    {
        { Bits: null } => "fp32",
        { PerTokenActivations: true } => "w8a8",
        _ => $"int{Bits}" + (AccuracyLevel == WeightMix.DefaultAccuracyLevel ? "" : $"@{AccuracyLevel}"),
    };
}
#pragma warning restore CA1720
