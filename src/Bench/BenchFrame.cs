using EdgePali.Vision.Imaging;

namespace EdgePali.Bench;

/// <summary>
/// The 1920x1080 frame every benchmark run analyses: deterministic (fixed seed) with smooth gradients, shapes,
/// fine stripes and noise, so resizing does real work. Written as a PNG so transformers.js reads the very same
/// pixels. Drawn and written in managed code: `edgepali-bench` runs without OpenCV.
/// </summary>
public static class BenchFrame
{
    public const int Width = 1920;
    public const int Height = 1080;

    /// <summary>Writes the frame to <paramref name="path"/> (overwriting) and returns it decoded from that file.</summary>
    public static ImageFrame WriteAndLoad(string path)
    {
        var pixels = new byte[Height * Width * 3];
        var random = new Random(7);
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var o = ((y * Width) + x) * 3;
                var b = (byte)Math.Min(255, (x * 200 / Width) + random.Next(48));
                var g = (byte)Math.Min(255, (y * 200 / Height) + random.Next(48));
                var r = (byte)(((x + y) & 0xBF) + random.Next(48));
                // A filled circle, a filled rectangle and a band of 2-px stripes on top of the gradients.
                var dx = x - 600;
                var dy = y - 500;
                if ((dx * dx) + (dy * dy) <= 220 * 220)
                    (b, g, r) = (30, 40, 200);
                else if (x is >= 1100 and < 1600 && y is >= 300 and < 720)
                    (b, g, r) = (200, 160, 40);
                else if (x is >= 80 and < 1000 && y is >= 920 and < 1000 && (x / 2) % 2 == 0)
                    (b, g, r) = (255, 255, 255);
                pixels[o] = b;
                pixels[o + 1] = g;
                pixels[o + 2] = r;
            }
        }

        ImageFiles.Save(new ImageFrame(pixels, Width, Height, Width * 3, ImagePixelFormat.Bgr24), path);
        return ImageFiles.Load(path);
    }
}
