namespace EdgePali.Vision.Imaging;

/// <summary>
/// A view of an 8-bit image in memory the caller owns: managed (<c>byte[]</c>) or native/pinned memory through a
/// <see cref="System.Buffers.MemoryManager{T}"/>. Rows may be padded (<see cref="Stride"/> at least
/// <c>Width * BytesPerPixel</c>), so a region of a larger image is a frame too. A struct, so handing a reused
/// capture buffer to the engine allocates nothing; the pixels must stay unchanged while a call that got the
/// frame runs.
/// </summary>
/// <remarks>
/// The engine's own type rather than an OpenCV Mat, so that inference, snapshots and drawing work on boards
/// where OpenCvSharp's native library is absent (OpenCV stays a capture backend only).
/// </remarks>
public readonly struct ImageFrame
{
    /// <summary>Describes <paramref name="pixels"/>; checks that the sizes fit.</summary>
    /// <param name="pixels">The first byte is the top-left pixel; at least <c>Stride * (Height - 1) + Width * BytesPerPixel</c> bytes.</param>
    /// <param name="width">Pixels per row, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="stride">Bytes from one row to the next; 0 means packed rows (<c>Width * BytesPerPixel</c>).</param>
    /// <param name="format">The channel order.</param>
    /// <exception cref="ArgumentException">The sizes do not describe an image inside <paramref name="pixels"/>.</exception>
    public ImageFrame(Memory<byte> pixels, int width, int height, int stride, ImagePixelFormat format)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var rowBytes = checked(width * format.BytesPerPixel());
        if (stride == 0)
        {
            stride = rowBytes;
        }

        if (stride < rowBytes)
        {
            throw new ArgumentException(
                $"A row stride of {stride} bytes is shorter than one row of {width} {format} pixels ({rowBytes} bytes).", nameof(stride));
        }

        var needed = ((long)stride * (height - 1)) + rowBytes;
        if (pixels.Length < needed)
        {
            throw new ArgumentException(
                $"A {width}x{height} {format} image with a {stride}-byte stride needs {needed} bytes, but the buffer holds {pixels.Length}.",
                nameof(pixels));
        }

        Pixels = pixels;
        Width = width;
        Height = height;
        Stride = stride;
        Format = format;
    }

    /// <summary>The pixel bytes, starting with the top-left pixel.</summary>
    public Memory<byte> Pixels { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Bytes from the start of one row to the start of the next.</summary>
    public int Stride { get; }

    /// <summary>How the pixel bytes are laid out (channel order and count).</summary>
    public ImagePixelFormat Format { get; }

    /// <summary>True for <c>default(ImageFrame)</c>: no pixels at all.</summary>
    public bool IsEmpty => Width == 0;

    /// <summary>Bytes per pixel of <see cref="Format"/>.</summary>
    public int BytesPerPixel => Format.BytesPerPixel();

    /// <summary>A new packed BGR image of <paramref name="width"/> x <paramref name="height"/> in a new array (zeroed).</summary>
    public static ImageFrame CreateBgr(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        return new ImageFrame(new byte[checked(width * height * 3)], width, height, width * 3, ImagePixelFormat.Bgr24);
    }

    /// <summary>The bytes of row <paramref name="y"/> (Width * BytesPerPixel of them).</summary>
    public Span<byte> Row(int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        return Pixels.Span.Slice(y * Stride, Width * BytesPerPixel);
    }

    /// <summary>Throws a clear error for <c>default(ImageFrame)</c>.</summary>
    /// <exception cref="ArgumentException">The frame holds no pixels.</exception>
    public void ThrowIfEmpty(string parameterName)
    {
        if (IsEmpty)
        {
            throw new ArgumentException(
                "The frame is empty (0 pixels): the camera or file produced no image. Check the source before passing it on.",
                parameterName);
        }
    }

    /// <summary>
    /// Writes this image as packed BGR (<c>3 * Width</c> bytes per row) into <paramref name="destination"/>, which
    /// must hold <c>3 * Width * Height</c> bytes. Alpha is dropped and grey is replicated, as PIL's convert("RGB") does.
    /// </summary>
    public void CopyAsBgr(Span<byte> destination)
    {
        var rowBytes = Width * 3;
        if (destination.Length < (long)rowBytes * Height)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; {rowBytes * Height} are needed.", nameof(destination));
        }

        var source = Pixels.Span;
        for (var y = 0; y < Height; y++)
        {
            var from = source.Slice(y * Stride, Width * BytesPerPixel);
            var to = destination.Slice(y * rowBytes, rowBytes);
            switch (Format)
            {
                case ImagePixelFormat.Bgr24:
                    from.CopyTo(to);
                    break;
                case ImagePixelFormat.Rgb24:
                    for (var x = 0; x < to.Length; x += 3)
                    {
                        to[x] = from[x + 2];
                        to[x + 1] = from[x + 1];
                        to[x + 2] = from[x];
                    }

                    break;
                case ImagePixelFormat.Bgra32:
                    for (var x = 0; x < Width; x++)
                    {
                        to[x * 3] = from[x * 4];
                        to[(x * 3) + 1] = from[(x * 4) + 1];
                        to[(x * 3) + 2] = from[(x * 4) + 2];
                    }

                    break;
                default:
                    for (var x = 0; x < Width; x++)
                    {
                        var value = from[x];
                        to[x * 3] = value;
                        to[(x * 3) + 1] = value;
                        to[(x * 3) + 2] = value;
                    }

                    break;
            }
        }
    }

    /// <summary>A packed BGR copy in a new array (for drawing on without touching the source).</summary>
    public ImageFrame ToBgrCopy()
    {
        ThrowIfEmpty("this");
        var copy = CreateBgr(Width, Height);
        CopyAsBgr(copy.Pixels.Span);
        return copy;
    }
}
