using System.Runtime.InteropServices;
using EdgePali.Shared;
using EdgePali.Vision.Imaging;
using OpenCvSharp;

namespace EdgePali.Quantize.Verification;

/// <summary>
/// Frames for `verify` (and calibration): every image in a folder (decoded in managed code, like `edgepali
/// infer`), evenly spaced frames of a video file (decoded with OpenCV, the only part that needs its native
/// library), or, when no path is given, a few generated scenes (gradients, shapes, noise) so a comparison can
/// run anywhere. Each frame is packed BGR, as the camera path delivers them.
/// </summary>
internal static class FrameSource
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".tga", ".ppm", ".pgm", ".pbm"];

    public static List<ImageFrame> Load(string? path, int maxFrames)
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
                try
                {
                    return ImageFiles.Load(f);
                }
                catch (IOException e)
                {
                    throw new QuantizeException($"'{f}' cannot be decoded as an image: {e.Message}");
                }
            }).ToList();
        }

        if (File.Exists(path))
            return FromVideo(path, maxFrames);
        throw new QuantizeException($"'{path}' is neither a folder of images nor a video file.");
    }

    private static List<ImageFrame> FromVideo(string path, int maxFrames)
    {
        if (!OpenCvNative.IsAvailable)
        {
            throw new QuantizeException(
                OpenCvNative.Explain($"Reading the video '{path}'") + " Or extract frames into a folder of images (e.g. `ffmpeg -i video.mp4 -vf fps=1 frames/%04d.png`) and pass the folder.");
        }

        using var capture = new VideoCapture(path);
        if (!capture.IsOpened())
            throw new QuantizeException($"'{path}' cannot be opened as a video (OpenCV/FFmpeg could not decode it).");
        var total = (int)capture.Get(VideoCaptureProperties.FrameCount);
        var stride = total > maxFrames ? total / maxFrames : 1;
        var frames = new List<ImageFrame>();
        using var frame = new Mat();
        using var bgr = new Mat();
        for (var index = 0; frames.Count < maxFrames && capture.Read(frame) && !frame.Empty(); index++)
        {
            if (index % stride == 0)
                frames.Add(ToImage(frame, bgr));
        }

        return frames.Count > 0 ? frames : throw new QuantizeException($"'{path}' has no decodable frames.");
    }

    /// <summary>A packed BGR copy of a decoded video frame (VideoCapture delivers 8-bit BGR; grey is converted).</summary>
    private static ImageFrame ToImage(Mat frame, Mat scratch)
    {
        var source = frame;
        if (frame.Type() != MatType.CV_8UC3)
        {
            Cv2.CvtColor(frame, scratch, frame.Channels() == 4 ? ColorConversionCodes.BGRA2BGR : ColorConversionCodes.GRAY2BGR);
            source = scratch;
        }

        using var continuous = source.IsContinuous() ? null : source.Clone();
        var packed = continuous ?? source;
        int width = packed.Width, height = packed.Height;
        var pixels = new byte[width * height * 3];
        Marshal.Copy(packed.Data, pixels, 0, pixels.Length);
        var image = new ImageFrame(pixels, width, height, width * 3, ImagePixelFormat.Bgr24);
        return image;
    }

    /// <summary>Deterministic scenes: a colour gradient with shapes (discs and rectangles) and mild noise, different per index.</summary>
    private static List<ImageFrame> Synthetic(int count)
    {
        const int Width = 320, Height = 240;
        var frames = new List<ImageFrame>();
        var random = new Random(1234);
        for (var n = 0; n < count; n++)
        {
            var image = ImageFrame.CreateBgr(Width, Height);
            var bgr = image.Pixels.Span;
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

            for (var s = 0; s < 4; s++)
            {
                var (b, g, r) = ((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                var (cx, cy) = (random.Next(Width), random.Next(Height));
                var disc = s % 2 == 0;
                var radius = disc ? 15 + random.Next(50) : 0;
                var (left, top) = (cx / 2, cy / 2);
                var (right, bottom) = disc ? (0, 0) : (left + 20 + random.Next(100), top + 20 + random.Next(80));
                for (var y = 0; y < Height; y++)
                {
                    for (var x = 0; x < Width; x++)
                    {
                        var inside = disc
                            ? ((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= radius * radius
                            : x >= left && x < right && y >= top && y < bottom;
                        if (!inside)
                            continue;
                        var i = ((y * Width) + x) * 3;
                        (bgr[i], bgr[i + 1], bgr[i + 2]) = (b, g, r);
                    }
                }
            }

            frames.Add(image);
        }

        return frames;
    }
}
