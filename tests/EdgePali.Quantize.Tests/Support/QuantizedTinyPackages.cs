using EdgePali.Quantize.Checkpoints;
using EdgePali.Quantize.Rewriting;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>
/// The tiny PaliGemma 1 checkpoint's fp32 and builder-int8 packages, plus the fp32 package run through `quantize`
/// as int8 and as dynamic-int8: built once per test class.
/// </summary>
public sealed class QuantizedTinyPackages : TinyPackages
{
    public QuantizedTinyPackages()
        : base(TestCheckpointPreset.Tiny)
    {
        QuantizedInt8Dir = Path.Combine(Scratch, "quantized-int8");
        DynamicInt8Dir = Path.Combine(Scratch, "quantized-dynamic-int8");
        Int8Result = PackageQuantizer.QuantizeAsync(new QuantizeOptions(Fp32Dir, QuantizedInt8Dir, QuantizationMode.Int8)).GetAwaiter().GetResult();
        DynamicResult = PackageQuantizer.QuantizeAsync(new QuantizeOptions(Fp32Dir, DynamicInt8Dir, QuantizationMode.DynamicInt8)).GetAwaiter().GetResult();
    }

    public string QuantizedInt8Dir { get; }

    public string DynamicInt8Dir { get; }

    public QuantizeResult Int8Result { get; }

    public QuantizeResult DynamicResult { get; }
}
