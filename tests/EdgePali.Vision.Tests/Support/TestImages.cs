using OpenCvSharp;

namespace EdgePali.Vision.Tests.Support;

/// <summary>Small synthetic images with structure (noise, gradients, stripes), written as lossless PNG.</summary>
internal static class TestImages
{
    /// <summary>Writes the images at <paramref name="size"/> x <paramref name="size"/> into <paramref name="folder"/> and returns their paths.</summary>
    public static IReadOnlyList<string> Write(string folder, int size)
    {
        Directory.CreateDirectory(folder);
        var paths = new List<string>();

        using (var noise = new Mat(size, size, MatType.CV_8UC3))
        {
            Cv2.Randu(noise, Scalar.All(0), Scalar.All(256));
            paths.Add(Save(folder, "noise.png", noise));
        }

        using (var gradient = new Mat(size, size, MatType.CV_8UC3))
        {
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    gradient.At<Vec3b>(y, x) = new Vec3b((byte)(x * 255 / (size - 1)), (byte)(y * 255 / (size - 1)), (byte)((x + y) * 127 / (size - 1)));
                }
            }

            paths.Add(Save(folder, "gradient.png", gradient));
        }

        using (var stripes = new Mat(size, size, MatType.CV_8UC3, new Scalar(30, 160, 220)))
        {
            for (var x = 0; x < size; x += 8)
            {
                Cv2.Rectangle(stripes, new Rect(x, 0, 4, size), new Scalar(240, 40, 10), -1);
            }

            Cv2.Circle(stripes, new Point(size / 2, size / 2), size / 4, new Scalar(0, 0, 0), 3);
            paths.Add(Save(folder, "stripes.png", stripes));
        }

        return paths;
    }

    private static string Save(string folder, string name, Mat image)
    {
        var path = Path.Combine(folder, name);
        if (!Cv2.ImWrite(path, image))
        {
            throw new IOException($"OpenCV could not write {path}.");
        }

        return path;
    }
}
