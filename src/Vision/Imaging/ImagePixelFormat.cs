namespace EdgePali.Vision.Imaging;

/// <summary>The 8-bit pixel layouts an <see cref="ImageFrame"/> may have, named by their byte order in memory.</summary>
public enum ImagePixelFormat
{
    /// <summary>3 bytes per pixel: blue, green, red (what OpenCV and V4L2 conversions produce).</summary>
    Bgr24,

    /// <summary>4 bytes per pixel: blue, green, red, alpha (alpha is ignored).</summary>
    Bgra32,

    /// <summary>3 bytes per pixel: red, green, blue.</summary>
    Rgb24,

    /// <summary>1 byte per pixel: grey level.</summary>
    Gray8,
}

/// <summary>Sizes of the <see cref="ImagePixelFormat"/> layouts.</summary>
public static class ImagePixelFormatExtensions
{
    /// <summary>Bytes per pixel: 3, 4, 3 or 1.</summary>
    public static int BytesPerPixel(this ImagePixelFormat format) => format switch
    {
        ImagePixelFormat.Bgr24 or ImagePixelFormat.Rgb24 => 3,
        ImagePixelFormat.Bgra32 => 4,
        ImagePixelFormat.Gray8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format."),
    };
}
