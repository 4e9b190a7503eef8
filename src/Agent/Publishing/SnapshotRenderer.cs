using EdgePali.Agent.Capture;
using EdgePali.Agent.Options;
using EdgePali.Vision.Imaging;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;

namespace EdgePali.Agent.Publishing;

/// <summary>
/// The JPEG snapshot attached to a result: the analysed frame scaled to Snapshots:Height, annotated by
/// ResultAnnotator (boxes, labels, masks, the text), encoded at Snapshots:Quality. Needs OpenCV; without
/// its native library snapshots are off (logged once).
/// </summary>
internal sealed class SnapshotRenderer(IOptions<SnapshotOptions> options, ILogger<SnapshotRenderer> logger)
{
    private readonly Lazy<bool> _available = new(() =>
    {
        if (!options.Value.Enabled)
            return false;
        if (OpenCvProbe.IsAvailable(out var problem))
            return true;
        logger.LogWarning("Snapshots are off: OpenCV's native library cannot be loaded ({Problem})", problem);
        return false;
    });

    /// <summary>The JPEG, or null when snapshots are off.</summary>
    public byte[]? Render(FrameBuffer frame, AnalysisResult result)
    {
        if (!_available.Value || frame.IsEmpty)
            return null;
        var settings = options.Value;
        using var source = Mat.FromPixelData(frame.Height, frame.Width, MatType.CV_8UC3, frame.Array);
        // Drawn on a scaled copy (never on the frame buffer, which the pipeline reuses).
        using var image = new Mat();
        if (settings.Height > 0 && settings.Height != frame.Height)
        {
            var width = Math.Max(1, (int)Math.Round(frame.Width * (double)settings.Height / frame.Height));
            Cv2.Resize(source, image, new Size(width, settings.Height), 0, 0, InterpolationFlags.Area);
        }
        else
        {
            source.CopyTo(image);
        }

        ResultAnnotator.Draw(image, result);
        return image.ToBytes(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, settings.Quality));
    }
}
