namespace EdgePali.Vision.Imaging;

/// <summary>
/// The resampling weights of one axis exactly as Pillow computes them for <c>Image.resize(size, BICUBIC)</c>
/// (src/libImaging/Resample.c: <c>precompute_coeffs</c> + <c>normalize_coeffs_8bpc</c>): a bicubic kernel
/// (a = -0.5) whose support widens with the downscale factor (antialiasing), weights normalised to sum 1 in
/// double precision, then turned into 22-bit fixed point. Every double operation is kept in Pillow's order so
/// the integer weights come out bit-identical; that is what makes the resize match Pillow exactly.
/// </summary>
internal sealed class PillowResampleAxis
{
    /// <summary>Pillow's PRECISION_BITS: 8 bits for the pixel, 2 bits of headroom for negative lobes and overshoot.</summary>
    public const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Added before the shift so that <c>sum &gt;&gt; PrecisionBits</c> rounds to nearest (Pillow starts every sum here).</summary>
    public const int RoundingBias = 1 << (PrecisionBits - 1);

    private const double BicubicSupport = 2.0;

    private PillowResampleAxis(int inputSize, int outputSize, int[] firstTaps, int[] tapCounts, int[] weights, int weightStride)
    {
        InputSize = inputSize;
        OutputSize = outputSize;
        FirstTaps = firstTaps;
        TapCounts = tapCounts;
        Weights = weights;
        WeightStride = weightStride;
    }

    public int InputSize { get; }

    public int OutputSize { get; }

    /// <summary>Per output index, the first input index that contributes (Pillow's xmin).</summary>
    public int[] FirstTaps { get; }

    /// <summary>Per output index, how many consecutive inputs contribute (Pillow's xmax after clipping).</summary>
    public int[] TapCounts { get; }

    /// <summary>Fixed-point weights, <see cref="WeightStride"/> per output index, zero beyond the tap count.</summary>
    public int[] Weights { get; }

    /// <summary>Weights per output index (Pillow's ksize: the most taps any output can have).</summary>
    public int WeightStride { get; }

    /// <summary>Pillow's rule for skipping a pass: the axis keeps its size and the box is the whole image.</summary>
    public bool IsIdentity => InputSize == OutputSize;

    public static PillowResampleAxis Create(int inputSize, int outputSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);

        // Pillow passes the box as floats (in0 = 0, in1 = size) and works in double from there.
        float in0 = 0f;
        float in1 = inputSize;
        double scale = (double)(in1 - in0) / outputSize;
        double filterScale = scale < 1.0 ? 1.0 : scale;
        double support = BicubicSupport * filterScale;
        int maxTaps = ((int)Math.Ceiling(support) * 2) + 1;

        var firstTaps = new int[outputSize];
        var tapCounts = new int[outputSize];
        var doubleWeights = new double[maxTaps];
        int stride = maxTaps;
        var weights = new int[outputSize * stride];

        for (int xx = 0; xx < outputSize; xx++)
        {
            double center = in0 + ((xx + 0.5) * scale);
            double weightSum = 0.0;
            double inverseScale = 1.0 / filterScale;
            // (int) truncates toward zero as in C; negative starts are clipped right after.
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0)
            {
                xmin = 0;
            }

            int xmax = (int)(center + support + 0.5);
            if (xmax > inputSize)
            {
                xmax = inputSize;
            }

            xmax -= xmin;
            for (int x = 0; x < xmax; x++)
            {
                double w = Bicubic((x + xmin - center + 0.5) * inverseScale);
                doubleWeights[x] = w;
                weightSum += w;
            }

            for (int x = 0; x < xmax; x++)
            {
                if (weightSum != 0.0)
                {
                    doubleWeights[x] /= weightSum;
                }

                weights[(xx * stride) + x] = ToFixedPoint(doubleWeights[x]);
            }

            firstTaps[xx] = xmin;
            tapCounts[xx] = xmax;
        }

        return new PillowResampleAxis(inputSize, outputSize, firstTaps, tapCounts, weights, stride);
    }

    /// <summary>Pillow's clip8: drop the fraction bits (arithmetic shift) and clamp to a byte.</summary>
    public static byte Clip8(int sum)
    {
        int value = sum >> PrecisionBits;
        return value < 0 ? (byte)0 : value > 255 ? (byte)255 : (byte)value;
    }

    // Pillow's normalize_coeffs_8bpc: round half away from zero by truncating after adding +-0.5.
    private static int ToFixedPoint(double weight) =>
        weight < 0
            ? (int)(-0.5 + (weight * (1 << PrecisionBits)))
            : (int)(0.5 + (weight * (1 << PrecisionBits)));

    // Pillow's bicubic_filter with a = -0.5, written with the same operation order as the C source.
    private static double Bicubic(double x)
    {
        const double A = -0.5;
        if (x < 0.0)
        {
            x = -x;
        }

        if (x < 1.0)
        {
            return ((((A + 2.0) * x) - (A + 3.0)) * x * x) + 1;
        }

        if (x < 2.0)
        {
            return ((((((x - 5) * x) + 8) * x) - 4) * A);
        }

        return 0.0;
    }
}
