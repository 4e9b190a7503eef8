namespace EdgePali.Bench;

/// <summary>Names on the command line and in the model package.</summary>
public static class BenchNames
{
    public static string CliName(this BenchPreset preset) => preset switch
    {
        BenchPreset.PaliGemma1At224 => "pg1-224",
        BenchPreset.PaliGemma2At224 => "pg2-224",
        BenchPreset.Tiny => "tiny",
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, null),
    };

    public static string CliName(this BenchWeights weights) => weights switch
    {
        BenchWeights.Int8 => "int8",
        BenchWeights.W8A8 => "w8a8",
        BenchWeights.Int4 => "int4",
        BenchWeights.Fp32 => "fp32",
        _ => throw new ArgumentOutOfRangeException(nameof(weights), weights, null),
    };

    /// <summary>The package variant holding these weights (the builder writes int4 as transformers.js' "q4", w8a8 as "int8").</summary>
    public static string VariantName(this BenchWeights weights) => weights switch
    {
        BenchWeights.Int4 => "q4",
        BenchWeights.W8A8 => "int8",
        _ => weights.CliName(),
    };

    public static BenchPreset ParsePreset(string name) =>
        Enum.GetValues<BenchPreset>().FirstOrDefault(p => p.CliName() == name, (BenchPreset)(-1)) is var p && Enum.IsDefined(p)
            ? p
            : throw new ArgumentException($"Unknown preset '{name}': use pg1-224, pg2-224 or tiny.", nameof(name));

    public static BenchWeights ParseWeights(string name) =>
        Enum.GetValues<BenchWeights>().FirstOrDefault(w => w.CliName() == name, (BenchWeights)(-1)) is var w && Enum.IsDefined(w)
            ? w
            : throw new ArgumentException($"Unknown weights '{name}': use int8, w8a8, int4 or fp32.", nameof(name));
}
