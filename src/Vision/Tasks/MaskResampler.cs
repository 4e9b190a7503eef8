namespace EdgePali.Vision.Tasks;

/// <summary>
/// Resizes a decoded 64x64 mask to its box and thresholds it, as big_vision's segmentation evaluator does:
/// <c>PIL.Image.fromarray(mask64).resize((w, h), BILINEAR)</c> on the float image, then <c>&gt; 0</c>.
/// Pillow's bilinear resize is a separable triangle filter whose support widens with the downscale factor
/// (antialiasing), weights normalised per output pixel, horizontal pass first (src/libImaging/Resample.c,
/// precompute_coeffs and the 32bpc float path). Written here rather than with OpenCV because
/// cv::resize(INTER_LINEAR) does not antialias when a box is smaller than 64 px, so its masks would differ.
/// </summary>
public static class MaskResampler
{
    /// <summary>Resizes <paramref name="source"/> (<paramref name="sourceSize"/> squared, row-major) to
    /// <paramref name="width"/> x <paramref name="height"/> into <paramref name="destination"/>.</summary>
    public static void Resize(ReadOnlySpan<float> source, int sourceSize, int width, int height, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(source.Length, sourceSize * sourceSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, width * height);

        // Pillow skips a pass whose size does not change.
        var horizontal = width == sourceSize ? null : Axis.Create(sourceSize, width);
        var vertical = height == sourceSize ? null : Axis.Create(sourceSize, height);

        var rows = new float[sourceSize * width];
        for (var y = 0; y < sourceSize; y++)
        {
            var row = source.Slice(y * sourceSize, sourceSize);
            var output = rows.AsSpan(y * width, width);
            if (horizontal is null)
            {
                row.CopyTo(output);
                continue;
            }

            for (var x = 0; x < width; x++)
            {
                double sum = 0;
                var first = horizontal.First[x];
                var weights = horizontal.WeightsOf(x);
                for (var k = 0; k < weights.Length; k++)
                    sum += row[first + k] * weights[k];
                output[x] = (float)sum;
            }
        }

        for (var y = 0; y < height; y++)
        {
            var output = destination.Slice(y * width, width);
            if (vertical is null)
            {
                rows.AsSpan(y * width, width).CopyTo(output);
                continue;
            }

            var first = vertical.First[y];
            var weights = vertical.WeightsOf(y);
            for (var x = 0; x < width; x++)
            {
                double sum = 0;
                for (var k = 0; k < weights.Length; k++)
                    sum += rows[((first + k) * width) + x] * weights[k];
                output[x] = (float)sum;
            }
        }
    }

    /// <summary>Resizes and thresholds (&gt; 0) into a packed <see cref="ObjectMask"/> at (<paramref name="left"/>, <paramref name="top"/>).</summary>
    public static ObjectMask ToObjectMask(ReadOnlySpan<float> mask, int maskSize, int left, int top, int width, int height)
    {
        var resized = new float[width * height];
        Resize(mask, maskSize, width, height, resized);
        var bits = new byte[ObjectMask.ByteCount(width, height)];
        for (var n = 0; n < resized.Length; n++)
        {
            if (resized[n] > 0)
                bits[n >> 3] |= (byte)(0x80 >> (n & 7));
        }

        return new ObjectMask(left, top, width, height, bits);
    }

    /// <summary>Pillow's precompute_coeffs for the bilinear (triangle, support 1) filter, in double.</summary>
    private sealed class Axis
    {
        private readonly double[] _weights;
        private readonly int[] _counts;
        private readonly int _stride;

        private Axis(int[] first, int[] counts, double[] weights, int stride)
        {
            First = first;
            _counts = counts;
            _weights = weights;
            _stride = stride;
        }

        public int[] First { get; }

        public ReadOnlySpan<double> WeightsOf(int index) => _weights.AsSpan(index * _stride, _counts[index]);

        public static Axis Create(int inputSize, int outputSize)
        {
            var scale = (double)inputSize / outputSize;
            var filterScale = Math.Max(scale, 1.0);
            var support = 1.0 * filterScale;
            var inverseScale = 1.0 / filterScale;
            var stride = ((int)Math.Ceiling(support) * 2) + 1;
            var first = new int[outputSize];
            var counts = new int[outputSize];
            var weights = new double[outputSize * stride];
            for (var i = 0; i < outputSize; i++)
            {
                var center = (i + 0.5) * scale;
                var min = Math.Max((int)(center - support + 0.5), 0);
                var max = Math.Min((int)(center + support + 0.5), inputSize) - min;
                double total = 0;
                for (var k = 0; k < max; k++)
                {
                    var w = Triangle((k + min - center + 0.5) * inverseScale);
                    weights[(i * stride) + k] = w;
                    total += w;
                }

                if (total != 0)
                {
                    for (var k = 0; k < max; k++)
                        weights[(i * stride) + k] /= total;
                }

                first[i] = min;
                counts[i] = max;
            }

            return new Axis(first, counts, weights, stride);
        }

        private static double Triangle(double x)
        {
            x = Math.Abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        }
    }
}
