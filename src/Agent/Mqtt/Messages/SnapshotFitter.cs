using EdgePali.Vision.Imaging;

namespace EdgePali.Agent.Mqtt.Messages;

/// <summary>
/// Keeps snapshots under Mqtt:SnapshotMaxBytes so every broker accepts them (mosquitto 2.1 caps packets at
/// 2 MB; many hosted brokers at 256 KB): a larger JPEG is re-encoded at lower quality, then scaled down
/// (<see cref="JpegSnapshotEncoder"/>, managed: no OpenCV needed).
/// </summary>
public static class SnapshotFitter
{
    /// <summary>The JPEG itself when small enough, else a re-encoded one under <paramref name="maxBytes"/>, or null when that fails.</summary>
    public static byte[]? Fit(ReadOnlyMemory<byte> jpeg, int maxBytes)
    {
        try
        {
            return JpegSnapshotEncoder.Fit(jpeg.Span, maxBytes);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or SixLabors.ImageSharp.ImageFormatException)
        {
            return null;
        }
    }
}
