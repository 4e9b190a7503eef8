using OpenCvSharp;

namespace EdgePali.Quantize.Verification;

/// <summary>
/// Frames for `verify` (and calibration): every image in a folder, evenly spaced frames of a video file
/// (decoded with OpenCV), or, when no path is given, a few generated scenes (gradients, shapes, noise) so a
/// comparison can run anywhere. Each frame is BGR, as the camera path delivers them.
/// </summary>
internal static class FrameSource
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm"];

    public static List<Mat> Load(string? path, int maxFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrames);
        if (path is null)
            return Synthetic(maxFrames);
        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal)
                .Take(maxFrames)
                .ToList();
            if (files.Count == 0)
                throw new QuantizeException($"'{path}' holds no images ({string.Join(", ", ImageExtensions)}).");
            return files.Select(f =>
            {
                var mat = Cv2.ImRead(f, ImreadModes.Color);
                return mat.Empty() ? throw new QuantizeException($"'{f}' cannot be decoded as an image.") : mat;
            }).ToList();
        }

        if (File.Exists(path))
            return FromVideo(path, maxFrames);
        throw new QuantizeException($"'{path}' is neither a folder of images nor a video file.");
    }

    private static List<Mat> FromVideo(string path, int maxFrames)
    {
        using var capture = new VideoCapture(path);
        if (!capture.IsOpened())
            throw new QuantizeException($"'{path}' cannot be opened as a video (OpenCV/FFmpeg could not decode it).");
        var total = (int)capture.Get(VideoCaptureProperties.FrameCount);
        var stride = total > maxFrames ? total / maxFrames : 1;
        var frames = new List<Mat>();
        using var frame = new Mat();
        for (var index = 0; frames.Count < maxFrames && capture.Read(frame) && !frame.Empty(); index++)
        {
            if (index % stride == 0)
                frames.Add(frame.Clone());
        }

        return frames.Count > 0 ? frames : throw new QuantizeException($"'{path}' has no decodable frames.");
    }

    /// <summary>Deterministic scenes: a colour gradient with shapes and mild noise, different per index.</summary>
    private static List<Mat> Synthetic(int count)
    {
        var frames = new List<Mat>();
        var random = new Random(1234);
        for (var n = 0; n < count; n++)
        {
            const int Width = 320, Height = 240;
            var bgr = new byte[Width * Height * 3];
            for (var y = 0; y < Height; y++)
            {
                for (var x = 0; x < Width; x++)
                {
                    var noise = random.Next(12);
                    var i = ((y * Width) + x) * 3;
                    bgr[i] = (byte)(((x + (n * 40)) % 240) + noise);
                    bgr[i + 1] = (byte)(((y * 2) % 240) + noise);
                    bgr[i + 2] = (byte)(((((x + y) / 3) + (n * 70)) % 240) + noise);
                }
            }

            var mat = new Mat(Height, Width, MatType.CV_8UC3);
            System.Runtime.InteropServices.Marshal.Copy(bgr, 0, mat.Data, bgr.Length);

            for (var s = 0; s < 4; s++)
            {
                var color = new Scalar(random.Next(256), random.Next(256), random.Next(256));
                var center = new Point(random.Next(Width), random.Next(Height));
                if (s % 2 == 0)
                    Cv2.Circle(mat, center, 15 + random.Next(50), color, -1);
                else
                    Cv2.Rectangle(mat, new Rect(center.X / 2, center.Y / 2, 20 + random.Next(100), 20 + random.Next(80)), color, -1);
            }
            frames.Add(mat);
        }

        return frames;
    }
}
