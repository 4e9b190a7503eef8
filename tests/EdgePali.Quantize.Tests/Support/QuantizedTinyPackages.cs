using EdgePali.Quantize.Checkpoints;
using EdgePali.Quantize.Rewriting;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>
/// The tiny PaliGemma 1 checkpoint's fp32 and builder-int8 packages, plus the fp32 package run through `quantize`
/// as int8 and as dynamic-int8. The quantised packages are entries of the shared <see cref="TinyPackageCache"/>, so
/// they are built once per test run (by whichever test class comes first) and are read-only like the packages
/// they are made from; each test class still gets its own <see cref="TinyPackages.Scratch"/> folder.
/// </summary>
public sealed class QuantizedTinyPackages : TinyPackages
{
    public QuantizedTinyPackages()
        : base(TestCheckpointPreset.Tiny)
    {
        var int8 = QuantizedAsync(QuantizationMode.Int8);
        var dynamicInt8 = QuantizedAsync(QuantizationMode.DynamicInt8);
        Task.WhenAll(int8, dynamicInt8).GetAwaiter().GetResult();
        QuantizedInt8Dir = int8.Result;
        DynamicInt8Dir = dynamicInt8.Result;
    }

    public string QuantizedInt8Dir { get; }

    public string DynamicInt8Dir { get; }

    /// <summary>
    /// The fp32 package quantised with default options. The recipe names the source by its cache folder, whose
    /// key already covers the checkpoint, the builder options and the library code (the quantiser's included).
    /// </summary>
    private Task<string> QuantizedAsync(QuantizationMode mode) =>
        TinyPackageCache.GetOrBuildAsync($"quantized-{TestCheckpointPreset.Tiny}-s{Seed}-{mode.CliName()}".ToLowerInvariant(), $"quantize v1: {mode.CliName()}, default options, of {Path.GetFileName(Fp32Dir)}",
            folder => PackageQuantizer.QuantizeAsync(new QuantizeOptions(Fp32Dir, folder, mode)));
}
