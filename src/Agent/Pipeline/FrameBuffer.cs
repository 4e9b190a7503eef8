using EdgePali.Vision.Imaging;

namespace EdgePali.Agent.Pipeline;

/// <summary>
/// One BGR24 frame in managed memory (rows packed, 3 bytes per pixel), with when it was captured. Buffers are
/// owned by one stage each and reused frame after frame: a copy into an existing buffer allocates nothing
/// once sizes are stable. Managed memory (not an OpenCV Mat) so that the managed V4L2 backend, the test
/// pattern and the gates work on boards without OpenCvSharp's native library.
/// </summary>
public sealed class FrameBuffer
{
    private byte[] _pixels = [];

    public int Width { get; private set; }

    public int Height { get; private set; }

    /// <summary>When the frame was captured (UTC).</summary>
    public DateTimeOffset Timestamp { get; set; }

    /// <summary>The camera's running frame number.</summary>
    public long Number { get; set; }

    public bool IsEmpty => Width == 0 || Height == 0;

    /// <summary>Bytes per row.</summary>
    public int Stride => Width * 3;

    /// <summary>The backing array; may be longer than <see cref="Length"/>.</summary>
    public byte[] Array => _pixels;

    public int Length => Width * Height * 3;

    public Span<byte> Pixels => _pixels.AsSpan(0, Length);

    /// <summary>
    /// The pixels as the engine's image type: a view of this buffer (no copy, no allocation), valid until the
    /// buffer is written again.
    /// </summary>
    public ImageFrame AsImage()
    {
        if (IsEmpty)
            throw new InvalidOperationException("The frame buffer holds no frame yet.");
        return new ImageFrame(_pixels.AsMemory(0, Length), Width, Height, Stride, ImagePixelFormat.Bgr24);
    }

    /// <summary>Sets the size, growing the backing array only when it is too small.</summary>
    public void SetSize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        var length = width * height * 3;
        if (_pixels.Length < length)
            _pixels = new byte[length];
        Width = width;
        Height = height;
    }

    /// <summary>Copies pixels, size, time and number into <paramref name="target"/>.</summary>
    public void CopyTo(FrameBuffer target)
    {
        target.SetSize(Width, Height);
        Pixels.CopyTo(target.Pixels);
        target.Timestamp = Timestamp;
        target.Number = Number;
    }
}
