using System.Numerics;
using System.Numerics.Tensors;

namespace EdgePali.Vision.Inference;

/// <summary>
/// The vision encoder's output for one image: TokenCount rows of Width floats (image_features [1, N, D],
/// already scaled as the decoder expects). Reusable: pass it back to EncodeImageAsync to refill it
/// without allocating, or to AnalyzeAsync to run the language model on an image encoded earlier.
/// </summary>
public sealed class ImageFeatures
{
    /// <summary>Allocates a zeroed buffer for <paramref name="tokenCount"/> image tokens of <paramref name="width"/> floats; reuse it across frames to avoid allocating per frame.</summary>
    public ImageFeatures(int tokenCount, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokenCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        TokenCount = tokenCount;
        Width = width;
        Buffer = new float[tokenCount * width];
    }

    /// <summary>Image tokens (rows): (image_size / patch_size)^2.</summary>
    public int TokenCount { get; }

    /// <summary>Floats per token: the decoder's hidden size.</summary>
    public int Width { get; }

    /// <summary>Row-major [TokenCount, Width].</summary>
    public ReadOnlySpan<float> Values => Buffer;

    /// <summary><see cref="Values"/> as memory, for async callers.</summary>
    public ReadOnlyMemory<float> AsMemory() => Buffer;

    /// <summary>Row <paramref name="token"/> (one image token's embedding).</summary>
    public ReadOnlySpan<float> Row(int token) => Buffer.AsSpan(token * Width, Width);

    /// <summary>Width of the frame these features were encoded from (boxes are reported in its pixels).</summary>
    public int FrameWidth { get; private set; }

    /// <summary>Height of the frame these features were encoded from.</summary>
    public int FrameHeight { get; private set; }

    /// <summary>Time spent resizing and normalising the frame.</summary>
    public double PreprocessMs { get; private set; }

    /// <summary>Time spent in the vision encoder.</summary>
    public double VisionMs { get; private set; }

    internal float[] Buffer { get; }

    internal void SetSource(int frameWidth, int frameHeight, double preprocessMs, double visionMs)
    {
        FrameWidth = frameWidth;
        FrameHeight = frameHeight;
        PreprocessMs = preprocessMs;
        VisionMs = visionMs;
    }

    /// <summary>
    /// cos(a, b) in -1..1 of two feature vectors (e.g. pooled image features kept from an earlier frame), with float
    /// accumulation in SIMD (<see cref="TensorPrimitives.CosineSimilarity(ReadOnlySpan{float}, ReadOnlySpan{float})"/>):
    /// float sums are accurate to about 1e-6 for vectors of a few thousand values, far finer than any similarity
    /// threshold. Returns 0 ("not similar") when the lengths differ, a vector is empty or either is all zeros, so a
    /// gate built on it never skips a frame on a degenerate comparison.
    /// </summary>
    public static float CosineSimilarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.IsEmpty)
        {
            return 0f;
        }

        var cosine = TensorPrimitives.CosineSimilarity(a, b);
        return float.IsFinite(cosine) ? cosine : 0f;
    }

    /// <summary>
    /// Cosine similarity of the two images' mean-pooled features, in -1..1: a cheap "has the scene changed"
    /// signal that reuses the vision encoder's work (1 = same content).
    /// </summary>
    public float CosineSimilarity(ImageFeatures other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.TokenCount != TokenCount || other.Width != Width)
        {
            throw new ArgumentException($"Features of shape [{other.TokenCount},{other.Width}] cannot be compared with [{TokenCount},{Width}].", nameof(other));
        }

        // Pool over tokens row by row (cache-friendly), then compare the two mean vectors.
        Span<double> a = Width <= 4096 ? stackalloc double[Width] : new double[Width];
        Span<double> b = Width <= 4096 ? stackalloc double[Width] : new double[Width];
        a.Clear();
        b.Clear();
        for (var t = 0; t < TokenCount; t++)
        {
            var ra = Row(t);
            var rb = other.Row(t);
            for (var c = 0; c < Width; c++)
            {
                a[c] += ra[c];
                b[c] += rb[c];
            }
        }

        return (float)Cosine<double>(a, b);
    }

    private static double Cosine<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : IFloatingPointIeee754<T>
    {
        if (a.Length != b.Length || a.IsEmpty)
        {
            return 0;
        }

        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var x = double.CreateTruncating(a[i]);
            var y = double.CreateTruncating(b[i]);
            dot += x * y;
            na += x * x;
            nb += y * y;
        }

        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }
}
