using OpenCvSharp;

namespace EdgePali.Agent.Publishing.Mqtt;

/// <summary>
/// Keeps snapshots under Mqtt:SnapshotMaxBytes so every broker accepts them (mosquitto 2.1 caps packets at
/// 2 MB; many hosted brokers at 256 KB): a larger JPEG is scaled down and re-encoded at lower quality.
/// </summary>
public static class SnapshotFitter
{
    /// <summary>The JPEG itself when small enough, else a re-encoded one under <paramref name="maxBytes"/>, or null when that fails.</summary>
    public static byte[]? Fit(ReadOnlyMemory<byte> jpeg, int maxBytes)
    {
        if (jpeg.Length <= maxBytes)
        {
            return jpeg.ToArray();
        }

        using var image = Cv2.ImDecode(jpeg.ToArray(), ImreadModes.Color);
        if (image.Empty())
        {
            return null;
        }

        var scale = Math.Sqrt((double)maxBytes / jpeg.Length);
        var quality = 80;
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var width = Math.Max(16, (int)(image.Width * scale));
            var height = Math.Max(16, (int)(image.Height * scale));
            using var resized = image.Resize(new Size(width, height), 0, 0, InterpolationFlags.Area);
            Cv2.ImEncode(".jpg", resized, out var encoded, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
            if (encoded.Length <= maxBytes)
            {
                return encoded;
            }

            scale *= 0.8 * Math.Sqrt((double)maxBytes / encoded.Length);
            quality = Math.Max(40, quality - 10);
        }

        return null;
    }
}
