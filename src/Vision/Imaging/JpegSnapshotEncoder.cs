using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace EdgePali.Vision.Imaging;

/// <summary>
/// Encodes an image as JPEG no larger than a byte cap (an MQTT payload limit, a dashboard budget): first
/// lowers the quality step by step, then the size by a quarter at a time, and returns the first encoding
/// that fits. The image is never cropped. Managed (ImageSharp, see <see cref="ImageFiles"/>): no OpenCV needed.
/// </summary>
public static class JpegSnapshotEncoder
{
    private static readonly int[] QualitySteps = [85, 75, 65, 55, 45, 35];
    private const int MinimumSide = 16;

    /// <summary>JPEG bytes of <paramref name="image"/> (any pixel format), at most <paramref name="maxBytes"/> long.</summary>
    /// <param name="image">The picture; not modified.</param>
    /// <param name="maxBytes">The cap.</param>
    /// <param name="quality">Quality to try first (1..100); lower steps follow.</param>
    /// <exception cref="InvalidOperationException">Even a 16-pixel thumbnail does not fit; the message gives the smallest size reached.</exception>
    public static byte[] Encode(ImageFrame image, int maxBytes, int quality = 85)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        if (image.IsEmpty)
            throw new ArgumentException("The image is empty: nothing to encode.", nameof(image));

        using var source = ImageFiles.Wrap(image);
        return Encode(source, maxBytes, quality);
    }

    /// <summary>Re-encodes JPEG (or any readable) bytes under <paramref name="maxBytes"/>; the bytes themselves when they fit.</summary>
    /// <exception cref="IOException">The bytes are not an image.</exception>
    /// <exception cref="InvalidOperationException">Even a 16-pixel thumbnail does not fit.</exception>
    public static byte[] Fit(ReadOnlySpan<byte> encoded, int maxBytes, int quality = 80)
    {
        if (encoded.Length <= maxBytes)
            return encoded.ToArray();
        using var image = Image.Load<Bgr24>(encoded);
        return Encode(image, maxBytes, quality);
    }

    private static byte[] Encode(Image<Bgr24> source, int maxBytes, int quality)
    {
        var qualities = QualitySteps.Where(q => q < quality).Prepend(quality).ToArray();
        var smallest = int.MaxValue;
        Image<Bgr24>? scaled = null;
        try
        {
            var current = source;
            while (true)
            {
                foreach (var q in qualities)
                {
                    var bytes = ImageFiles.EncodeJpeg(current, q);
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

                // Always from the full-size source (a box filter, like OpenCV's INTER_AREA), never a resize of a resize.
                scaled?.Dispose();
                scaled = source.Clone(x => x.Resize(width, height, KnownResamplers.Box));
                current = scaled;
                qualities = [qualities[^1]];
            }
        }
        finally
        {
            scaled?.Dispose();
        }
    }
}
