using System.Runtime.InteropServices;
using OpenCvSharp;

namespace EdgePali.Vision.Tests.Support;

/// <summary>
/// Deterministic frames with the detail that separates resize methods: 1-4 px stripes in both directions
/// (aliasing), black/white edges (bicubic overshoot, so clipping matters), per-pixel noise and gradients.
/// </summary>
internal static class TestFrames
{
    /// <param name="channels">3 = BGR, 4 = BGRA (random alpha, which must be ignored), 1 = grey.</param>
    public static Mat Create(int width, int height, int channels, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * channels];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int at = ((y * width) + x) * channels;
                for (int c = 0; c < channels; c++)
                {
                    pixels[at + c] = c == 3 ? (byte)random.Next(256) : Pattern(x, y, c, width, height, random);
                }
            }
        }

        var type = channels switch
        {
            1 => MatType.CV_8UC1,
            3 => MatType.CV_8UC3,
            4 => MatType.CV_8UC4,
            _ => throw new ArgumentOutOfRangeException(nameof(channels)),
        };
        var frame = new Mat(height, width, type);
        Marshal.Copy(pixels, 0, frame.Data, pixels.Length);
        return frame;
    }

    // Five vertical bands with different content so every frame size sees every kind of detail.
    private static byte Pattern(int x, int y, int c, int width, int height, Random random)
    {
        int band = x * 5 / width;
        int period = 1 + ((x / 16) % 4); // 1..4 px
        return band switch
        {
            0 => (x / period) % 2 == 0 ? (byte)(c == 1 ? 255 : 0) : (byte)255,
            1 => (byte)random.Next(256),
            2 => ((y / (1 + ((y / 8) % 3))) % 2 == 0) ? (byte)(40 * c) : (byte)(255 - (30 * c)),
            3 => (byte)(((x * 255 / Math.Max(1, width - 1)) + (y * 255 / Math.Max(1, height - 1)) + (c * 60)) % 256),
            _ => ((x + y) % 2 == 0) ^ ((x / 3 + y / 2) % 2 == 0) ? (byte)(230 - (c * 50)) : (byte)(10 + (c * 20)),
        };
    }
}
