
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;

namespace EdgePali.Agent.Gating;

/// <summary>
/// The first-line gate (as in Frigate): each frame is shrunk to a small grey copy (area average over a
/// sparse sample of each block, ITU-R BT.601 luma) and compared with the previous one; a pixel changed when
/// its grey level moved by more than Threshold, and there is motion when the changed share of the unmasked
/// area reaches MinChangedArea. The shrink averages away sensor noise. Buffers are reused: no allocation
/// per frame.
/// </summary>
public sealed class MotionDetector(MotionOptions options)
{
    private readonly (double X, double Y)[][] _polygons = [.. options.Masks.Select(m => MaskPolygon.Parse(m, out _)!)];
    private byte[] _grey = [];
    private byte[] _previous = [];
    private bool[] _masked = [];
    private int _unmasked;
    private int _width;
    private int _height;
    private int _sourceWidth;
    private int _sourceHeight;
    private bool _hasPrevious;

    /// <summary>The changed share of the unmasked area in the last frame, 0..1.</summary>
    public double ChangedFraction { get; private set; }

    /// <summary>Compares the frame with the previous one; true when it shows motion. The first frame never does.</summary>
    public bool Detect(FrameBuffer frame)
    {
        if (frame.IsEmpty)
            return false;
        if (frame.Width != _sourceWidth || frame.Height != _sourceHeight)
            Resize(frame.Width, frame.Height);
        Shrink(frame);
        if (!_hasPrevious)
        {
            (_grey, _previous) = (_previous, _grey);
            _hasPrevious = true;
            ChangedFraction = 0;
            return false;
        }

        var changed = 0;
        var threshold = options.Threshold;
        for (var i = 0; i < _grey.Length; i++)
        {
            if (!_masked[i] && Math.Abs(_grey[i] - _previous[i]) > threshold)
                changed++;
        }

        (_grey, _previous) = (_previous, _grey);
        ChangedFraction = _unmasked == 0 ? 0 : changed / (double)_unmasked;
        return changed > 0 && ChangedFraction >= options.MinChangedArea;
    }

    private void Resize(int sourceWidth, int sourceHeight)
    {
        _sourceWidth = sourceWidth;
        _sourceHeight = sourceHeight;
        _width = Math.Min(options.Width, sourceWidth);
        _height = Math.Max(1, (int)Math.Round(sourceHeight * (double)_width / sourceWidth));
        _grey = new byte[_width * _height];
        _previous = new byte[_width * _height];
        _masked = MotionMask.Rasterize(_polygons, _width, _height);
        _unmasked = _masked.Count(m => !m);
        _hasPrevious = false;
    }

    private void Shrink(FrameBuffer frame)
    {
        var pixels = frame.Pixels;
        var stride = frame.Stride;
        for (var sy = 0; sy < _height; sy++)
        {
            var y0 = sy * _sourceHeight / _height;
            var y1 = Math.Max(y0 + 1, (sy + 1) * _sourceHeight / _height);
            var stepY = Math.Max(1, (y1 - y0) / 4);
            for (var sx = 0; sx < _width; sx++)
            {
                var x0 = sx * _sourceWidth / _width;
                var x1 = Math.Max(x0 + 1, (sx + 1) * _sourceWidth / _width);
                var stepX = Math.Max(1, (x1 - x0) / 4);
                int sum = 0, count = 0;
                for (var y = y0; y < y1; y += stepY)
                {
                    var row = y * stride;
                    for (var x = x0; x < x1; x += stepX)
                    {
                        var p = row + (x * 3);
                        sum += (pixels[p] * 29) + (pixels[p + 1] * 150) + (pixels[p + 2] * 77);
                        count++;
                    }
                }

                _grey[(sy * _width) + sx] = (byte)(sum / count >> 8);
            }
        }
    }
}
