using OpenCvSharp;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>
/// Frames for calibration tests: colour gradients with moving shapes and noise, drawn with OpenCV from a seed, so
/// calibration and evaluation can use different frames of the same kind (as a camera's frames differ day to day).
/// </summary>
internal static class CalibrationScenes
{
    private const int Width = 160;
    private const int Height = 120;

    public static Mat Draw(int seed, int index)
    {
        var random = new Random((seed * 7919) + index);
        var bgr = new byte[Width * Height * 3];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var noise = random.Next(16);
                var i = ((y * Width) + x) * 3;
                bgr[i] = (byte)(((x * 3 / 2) + (index * 13) + noise) % 256);
                bgr[i + 1] = (byte)(((y * 2) + (seed * 40) + noise) % 256);
                bgr[i + 2] = (byte)((((x + y) / 2) + (index * 29) + noise) % 256);
            }
        }

        var mat = new Mat(Height, Width, MatType.CV_8UC3);
        System.Runtime.InteropServices.Marshal.Copy(bgr, 0, mat.Data, bgr.Length);

        for (var s = 0; s < 3; s++)
        {
            var color = new Scalar(random.Next(256), random.Next(256), random.Next(256));
            var center = new Point(random.Next(Width), random.Next(Height));
            if (s % 2 == 0)
                Cv2.Circle(mat, center, 8 + random.Next(30), color, -1);
            else
                Cv2.Rectangle(mat, new Rect(center.X / 2, center.Y / 2, 10 + random.Next(60), 10 + random.Next(40)), color, -1);
        }

        return mat;
    }

    /// <summary>Writes <paramref name="count"/> PNG frames into <paramref name="dir"/>.</summary>
    public static string WriteImages(string dir, int seed, int count)
    {
        Directory.CreateDirectory(dir);
        for (var i = 0; i < count; i++)
        {
            using var frame = Draw(seed, i);
            Cv2.ImWrite(Path.Combine(dir, $"frame{i:D3}.png"), frame);
        }

        return dir;
    }

    /// <summary>Writes an MJPG AVI of <paramref name="count"/> frames (OpenCV encodes and decodes it without extra codecs).</summary>
    public static string WriteVideo(string path, int seed, int count)
    {
        using (var writer = new VideoWriter(path, FourCC.MJPG, 10, new Size(Width, Height)))
        {
            if (!writer.IsOpened())
                throw new InvalidOperationException("OpenCV cannot write MJPG AVI files here.");
            for (var i = 0; i < count; i++)
            {
                using var frame = Draw(seed, i);
                writer.Write(frame);
            }
        }

        return path;
    }
}
