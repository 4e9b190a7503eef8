using OpenCvSharp;

namespace EdgePali.Vision.Imaging;

/// <summary>
/// Encodes an image as JPEG no larger than a byte cap (an MQTT payload limit, a dashboard budget): first
/// lowers the quality step by step, then the size by a quarter at a time, and returns the first encoding
/// that fits. The image is never cropped.
/// </summary>
public static class JpegSnapshotEncoder
{
    private static readonly int[] QualitySteps = [85, 75, 65, 55, 45, 35];
    private const int MinimumSide = 16;

    /// <summary>JPEG bytes of <paramref name="image"/> (8-bit BGR or grey), at most <paramref name="maxBytes"/> long.</summary>
    /// <param name="image">The picture; not modified.</param>
    /// <param name="maxBytes">The cap.</param>
    /// <param name="quality">Quality to try first (1..100); lower steps follow.</param>
    /// <exception cref="InvalidOperationException">Even a 16-pixel thumbnail does not fit; the message gives the smallest size reached.</exception>
    public static byte[] Encode(Mat image, int maxBytes, int quality = 85)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        if (image.Empty())
            throw new ArgumentException("The image is empty: nothing to encode.", nameof(image));

        var qualities = QualitySteps.Where(q => q < quality).Prepend(quality).ToArray();
        var smallest = int.MaxValue;
        using var scaled = new Mat();
        var current = image;
        while (true)
        {
            foreach (var q in qualities)
            {
                var bytes = current.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, q));
                if (bytes.Length <= maxBytes)
                    return bytes;
                smallest = Math.Min(smallest, bytes.Length);
            }

            var width = current.Width * 3 / 4;
            var height = current.Height * 3 / 4;
            if (Math.Min(width, height) < MinimumSide)
            {
                throw new InvalidOperationException(
                    $"A JPEG snapshot cannot be made under {maxBytes} bytes: the smallest encoding reached was {smallest} bytes " +
                    $"at {current.Width}x{current.Height}. Raise the size cap.");
            }

            Cv2.Resize(image, scaled, new Size(width, height), 0, 0, InterpolationFlags.Area);
            current = scaled;
            qualities = [qualities[^1]];
        }
    }
}
