using System.Runtime.InteropServices;
using EdgePali.Vision.Imaging;
using OpenCvSharp;

namespace EdgePali.Vision.Tests.Support;

/// <summary>
/// The tests build and write frames with OpenCV (as cameras and the reference tools see them); the engine takes
/// its own <see cref="ImageFrame"/>. This copies a Mat's bytes as they are, row padding (ROI stride) included.
/// </summary>
internal static class MatImages
{
    public static ImageFrame ToImage(this Mat mat)
    {
        var type = mat.Type();
        var format = type == MatType.CV_8UC3 ? ImagePixelFormat.Bgr24
            : type == MatType.CV_8UC4 ? ImagePixelFormat.Bgra32
            : type == MatType.CV_8UC1 ? ImagePixelFormat.Gray8
            : throw new ArgumentException($"No ImageFrame format for {type}.", nameof(mat));
        int width = mat.Cols, height = mat.Rows, stride = (int)mat.Step();
        var bytes = new byte[(stride * (height - 1)) + (width * format.BytesPerPixel())];
        Marshal.Copy(mat.Data, bytes, 0, bytes.Length);
        return new ImageFrame(bytes, width, height, stride, format);
    }

    /// <summary>The BGR pixel at (x, y) of a BGR frame.</summary>
    public static BgrColour At(this ImageFrame image, int y, int x)
    {
        var row = image.Row(y);
        return new BgrColour(row[x * 3], row[(x * 3) + 1], row[(x * 3) + 2]);
    }

    /// <summary>Mean of the blue channel over a rectangle of a BGR frame.</summary>
    public static double MeanBlue(this ImageFrame image, int left, int top, int width, int height)
    {
        long sum = 0;
        for (var y = top; y < top + height; y++)
        {
            var row = image.Row(y);
            for (var x = left; x < left + width; x++)
                sum += row[x * 3];
        }

        return sum / (double)(width * height);
    }
}
