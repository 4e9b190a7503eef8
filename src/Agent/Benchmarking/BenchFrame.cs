using OpenCvSharp;

namespace EdgePali.Agent.Benchmarking;

/// <summary>
/// The 1920x1080 frame every benchmark run analyses: deterministic (fixed seed) with smooth gradients, shapes
/// and fine noise, so resizing does real work. Written as a PNG so transformers.js reads the very same pixels.
/// </summary>
public static class BenchFrame
{
    public const int Width = 1920;
    public const int Height = 1080;

    /// <summary>Writes the frame to <paramref name="path"/> (overwriting) and returns it decoded from that file.</summary>
    public static Mat WriteAndLoad(string path)
    {
        // Gradients plus uniform noise (fixed seed) computed into a byte array, then shapes and text on top.
        var pixels = new byte[Height * Width * 3];
        var random = new Random(7);
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var o = ((y * Width) + x) * 3;
                pixels[o] = (byte)Math.Min(255, (x * 200 / Width) + random.Next(48));
                pixels[o + 1] = (byte)Math.Min(255, (y * 200 / Height) + random.Next(48));
                pixels[o + 2] = (byte)(((x + y) & 0xBF) + random.Next(48));
            }
        }

        using (var frame = Mat.FromPixelData(Height, Width, MatType.CV_8UC3, pixels))
        {
            Cv2.Circle(frame, new Point(600, 500), 220, new Scalar(30, 40, 200), -1);
            Cv2.Rectangle(frame, new Rect(1100, 300, 500, 420), new Scalar(200, 160, 40), -1);
            Cv2.PutText(frame, "EdgePali bench", new Point(80, 1000), HersheyFonts.HersheySimplex, 3, Scalar.White, 6);
            if (!Cv2.ImWrite(path, frame))
            {
                throw new IOException($"Could not write the benchmark frame to {path}.");
            }
        }

        var loaded = Cv2.ImRead(path, ImreadModes.Color);
        if (loaded.Empty())
        {
            loaded.Dispose();
            throw new IOException($"Could not read back the benchmark frame {path}.");
        }

        return loaded;
    }
}
