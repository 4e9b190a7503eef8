using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgePali.Vision.Imaging;

/// <summary>
/// How the horizontal pass computes its dot products. All give the same integers (exact sums in any order);
/// they differ only in speed, and tests run each one against Pillow.
/// </summary>
internal enum HorizontalKernel
{
    /// <summary>Pillow's loop as written: one multiply-add per tap and channel.</summary>
    Scalar,

    /// <summary>One pixel (B, G, R, spare lane) per 128-bit vector: portable, NEON on ARM64.</summary>
    Vector128,

    /// <summary>Two pixels per 256-bit vector, widened straight from the BGR bytes (x64 with AVX2).</summary>
    Avx2,
}

internal static class HorizontalKernels
{
    /// <summary>The fastest kernel this CPU runs.</summary>
    public static HorizontalKernel Best =>
        Avx2.IsSupported ? HorizontalKernel.Avx2
        : Vector128.IsHardwareAccelerated ? HorizontalKernel.Vector128
        : HorizontalKernel.Scalar;
}
