using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace EdgePali.Vision.Imaging;

/// <summary>
/// Reads image files (PNG, JPEG, BMP, GIF, TIFF, WebP, TGA, PBM/PGM/PPM) into <see cref="ImageFrame"/>s and writes them back,
/// in managed code, so `edgepali infer` and the snapshot path run where no native imaging library is installed.
/// </summary>
/// <remarks>
/// SixLabors.ImageSharp 2.1 rather than OpenCV (native, absent on arm64 boards), SkiaSharp (native too) or the
/// Stb ports (C translated line by line into unsafe C#, so a crafted file can read out of bounds). PNG decodes to
/// the same bytes as any other decoder; JPEG decoders may differ by a level or two per pixel (IDCT and chroma
/// upsampling), so compare token ids across tools on PNG files. EXIF orientation is applied, as OpenCV's imread did.
/// </remarks>
public static class ImageFiles
{
    /// <summary>The file decoded as packed BGR in a new array.</summary>
    /// <exception cref="IOException">The file is missing, unreadable, or not an image format this reads.</exception>
    public static ImageFrame Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new IOException($"Image '{path}' does not exist.");
        }

        try
        {
            using var image = Image.Load<Bgr24>(path);
            return ToFrame(image);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or ImageFormatException)
        {
            throw new IOException($"Image '{path}' could not be decoded ({e.Message}); PNG, JPEG, BMP, GIF, TIFF, WebP, TGA and PBM/PGM/PPM files are read.", e);
        }
    }

    /// <summary>Encoded bytes (e.g. a JPEG snapshot) decoded as packed BGR in a new array.</summary>
    /// <exception cref="IOException">The bytes are not an image format this reads.</exception>
    public static ImageFrame Decode(ReadOnlySpan<byte> encoded)
    {
        try
        {
            using var image = Image.Load<Bgr24>(encoded);
            return ToFrame(image);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or ImageFormatException)
        {
            throw new IOException($"The image bytes could not be decoded ({e.Message}).", e);
        }
    }

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/> as PNG, JPEG (quality 90) or BMP, chosen by the extension.</summary>
    /// <exception cref="IOException">Unknown extension or unwritable folder.</exception>
    public static void Save(ImageFrame image, string path)
    {
        image.ThrowIfEmpty(nameof(image));
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".png" or ".jpg" or ".jpeg" or ".bmp"))
        {
            throw new IOException($"Cannot write '{path}': use a .png, .jpg or .bmp file name.");
        }

        using var wrapped = Wrap(image);
        try
        {
            switch (extension)
            {
                case ".png":
                    wrapped.SaveAsPng(path);
                    break;
                case ".bmp":
                    wrapped.SaveAsBmp(path);
                    break;
                default:
                    wrapped.SaveAsJpeg(path, new JpegEncoder { Quality = 90 });
                    break;
            }
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"Cannot write '{path}': {e.Message}", e);
        }
    }

    /// <summary>JPEG bytes of <paramref name="image"/> at <paramref name="quality"/> (1..100).</summary>
    public static byte[] EncodeJpeg(ImageFrame image, int quality)
    {
        image.ThrowIfEmpty(nameof(image));
        using var wrapped = Wrap(image);
        return EncodeJpeg(wrapped, quality);
    }

    /// <summary>
    /// An encoded image (any format <see cref="Decode"/> reads) scaled to <paramref name="width"/> pixels wide (height
    /// in proportion, area averaging) and encoded as JPEG at <paramref name="quality"/>: what <see cref="Decode"/>,
    /// <see cref="Resize(ImageFrame, int, int)"/> and <see cref="EncodeJpeg(ImageFrame, int)"/> give one after the
    /// other, without their two new BGR copies (ImageSharp's pooled buffers only) and encoding into
    /// <paramref name="buffer"/> (emptied first). Null when the image is no wider than <paramref name="width"/>.
    /// </summary>
    /// <exception cref="IOException">The bytes are not an image this reads.</exception>
    public static byte[]? ShrinkToJpeg(ReadOnlySpan<byte> encoded, int width, int quality, MemoryStream buffer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentNullException.ThrowIfNull(buffer);
        try
        {
            using var image = Image.Load<Bgr24>(encoded);
            image.Mutate(x => x.AutoOrient());
            if (image.Width <= width)
            {
                return null;
            }

            var height = Math.Max(1, (int)Math.Round((double)image.Height * width / image.Width));
            using var scaled = image.Clone(x => x.Resize(width, height, KnownResamplers.Box));
            if (!scaled.DangerousTryGetSinglePixelMemory(out var pixels))
            {
                return EncodeJpeg(ToFrame(scaled), quality, buffer);
            }

            // Encoded as a new image, as EncodeJpeg(ImageFrame) does: none of the source's metadata (EXIF, ICC,
            // resolution, JPEG colour type) is carried over.
            using var fresh = Image.WrapMemory(pixels, width, height);
            return EncodeJpeg(fresh, quality, buffer);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or ImageFormatException)
        {
            throw new IOException($"The image bytes could not be decoded ({e.Message}).", e);
        }
    }

    /// <summary>
    /// As <see cref="EncodeJpeg(ImageFrame, int)"/>, encoding into <paramref name="buffer"/> (emptied first) so a caller
    /// that encodes again and again reuses the stream's grown capacity: only the returned array is new.
    /// </summary>
    public static byte[] EncodeJpeg(ImageFrame image, int quality, MemoryStream buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        image.ThrowIfEmpty(nameof(image));
        using var wrapped = Wrap(image);
        return EncodeJpeg(wrapped, quality, buffer);
    }

    /// <summary>
    /// <paramref name="image"/> scaled to <paramref name="target"/>'s size by area averaging, as <see cref="Resize(ImageFrame, int, int)"/>
    /// does, written into <paramref name="target"/> (packed BGR) instead of a new array.
    /// </summary>
    public static void Resize(ImageFrame image, ImageFrame target)
    {
        image.ThrowIfEmpty(nameof(image));
        target.ThrowIfEmpty(nameof(target));
        if (target.Format != ImagePixelFormat.Bgr24 || target.Stride != target.Width * 3)
        {
            throw new ArgumentException("The target must be packed 8-bit BGR.", nameof(target));
        }

        using var wrapped = Wrap(image);
        using var scaled = wrapped.Clone(x => x.Resize(target.Width, target.Height, KnownResamplers.Box));
        scaled.CopyPixelDataTo(MemoryMarshal.Cast<byte, Bgr24>(target.Pixels.Span[..(target.Width * target.Height * 3)]));
    }

    /// <summary>
    /// <paramref name="image"/> scaled to <paramref name="width"/> x <paramref name="height"/> by area averaging
    /// (a box filter, what OpenCV's INTER_AREA does when shrinking), as packed BGR in a new array.
    /// </summary>
    public static ImageFrame Resize(ImageFrame image, int width, int height)
    {
        image.ThrowIfEmpty(nameof(image));
        using var wrapped = Wrap(image);
        using var scaled = wrapped.Clone(x => x.Resize(width, height, KnownResamplers.Box));
        return ToFrame(scaled);
    }

    private static byte[] EncodeJpeg(Image<Bgr24> image, int quality, MemoryStream buffer)
    {
        buffer.SetLength(0);
        image.SaveAsJpeg(buffer, new JpegEncoder { Quality = quality });
        return buffer.ToArray();
    }

    internal static byte[] EncodeJpeg(Image<Bgr24> image, int quality)
    {
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality });
        return stream.ToArray();
    }

    /// <summary>An ImageSharp image over the pixels: no copy for packed BGR, a packed BGR copy otherwise.</summary>
    internal static Image<Bgr24> Wrap(ImageFrame image)
    {
        var packed = image.Format == ImagePixelFormat.Bgr24 && image.Stride == image.Width * 3 ? image : image.ToBgrCopy();
        return Image.WrapMemory<Bgr24>(packed.Pixels[..(packed.Width * packed.Height * 3)], packed.Width, packed.Height);
    }

    private static ImageFrame ToFrame(Image<Bgr24> image)
    {
        image.Mutate(x => x.AutoOrient());
        var frame = ImageFrame.CreateBgr(image.Width, image.Height);
        image.CopyPixelDataTo(MemoryMarshal.Cast<byte, Bgr24>(frame.Pixels.Span));
        return frame;
    }
}
