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
internal sealed class SnapshotRenderer(IOptions<SnapshotOptions> options) : IDisposable
{
    // The scaled copy drawn on and the JPEG stream are kept from one result to the next: a new 480x360 copy
    // (0.5 MB) and a stream grown past 85 kB per result were large-object-heap garbage, which only a gen 2 GC
    // frees and which the memory soak showed as RSS growth (docs/benchmarks.md, "Memory soak").
    private readonly Lock _lock = new();
    private readonly MemoryStream _jpeg = new();
    private byte[] _canvas = [];

    /// <summary>The JPEG, or null when snapshots are off.</summary>
    public byte[]? Render(FrameBuffer frame, AnalysisResult result)
    {
        var settings = options.Value;
        if (!settings.Enabled || frame.IsEmpty)
            return null;
        var source = frame.AsImage();
        var scale = settings.Height > 0 && settings.Height != frame.Height;
        var width = scale ? Math.Max(1, (int)Math.Round(frame.Width * (double)settings.Height / frame.Height)) : frame.Width;
        var height = scale ? settings.Height : frame.Height;
        lock (_lock)
        {
            // Drawn on a copy (never on the frame buffer, which the pipeline reuses).
            var length = width * height * 3;
            if (_canvas.Length < length)
                _canvas = new byte[length];
            var image = new ImageFrame(_canvas.AsMemory(0, length), width, height, width * 3, ImagePixelFormat.Bgr24);
            if (scale)
                ImageFiles.Resize(source, image);
            else
                source.CopyAsBgr(image.Pixels.Span);
            ResultAnnotator.Draw(image, result);
            return ImageFiles.EncodeJpeg(image, settings.Quality, _jpeg);
        }
    }

    public void Dispose() => _jpeg.Dispose();
}
