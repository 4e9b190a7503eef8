using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Vision.Imaging;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Publishing;

/// <summary>
/// The JPEG snapshot attached to a result: the analysed frame scaled to Snapshots:Height, annotated by
/// ResultAnnotator (boxes, labels, masks, the text), encoded at Snapshots:Quality. All managed code
/// (ImageSharp and hand-drawn annotations), so snapshots work on boards without OpenCV's native library.
/// </summary>
internal sealed class SnapshotRenderer(IOptions<SnapshotOptions> options)
{
    /// <summary>The JPEG, or null when snapshots are off.</summary>
    public byte[]? Render(FrameBuffer frame, AnalysisResult result)
    {
        var settings = options.Value;
        if (!settings.Enabled || frame.IsEmpty)
            return null;
        var source = frame.AsImage();
        // Drawn on a scaled copy (never on the frame buffer, which the pipeline reuses). One copy per result,
        // not per frame: results come seconds apart.
        ImageFrame image;
        if (settings.Height > 0 && settings.Height != frame.Height)
        {
            var width = Math.Max(1, (int)Math.Round(frame.Width * (double)settings.Height / frame.Height));
            image = ImageFiles.Resize(source, width, settings.Height);
        }
        else
        {
            image = source.ToBgrCopy();
        }

        ResultAnnotator.Draw(image, result);
        return ImageFiles.EncodeJpeg(image, settings.Quality);
    }
}
