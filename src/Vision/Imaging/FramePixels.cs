using OpenCvSharp;

namespace EdgePali.Vision.Imaging;

/// <summary>The 8-bit pixel layouts a frame may have (OpenCV channel order).</summary>
internal enum FramePixelFormat
{
    Bgr = 3,
    Bgra = 4,
    Gray = 1,
}

/// <summary>Where the 8-bit pixels of a frame are and how they are laid out; rows may be padded (ROIs).</summary>
internal readonly unsafe struct FramePixels
{
    public FramePixels(byte* data, long rowStride, int width, int height, FramePixelFormat format)
    {
        Data = data;
        RowStride = rowStride;
        Width = width;
        Height = height;
        Format = format;
    }

    public byte* Data { get; }

    public long RowStride { get; }

    public int Width { get; }

    public int Height { get; }

    public FramePixelFormat Format { get; }

    /// <summary>Bytes per pixel: 3 for BGR, 4 for BGRA, 1 for grey.</summary>
    public int PixelSize => (int)Format;

    /// <summary>Reads the layout of <paramref name="frame"/>, or explains what is wrong with it.</summary>
    /// <exception cref="ArgumentException">The frame is empty, not 2-D, or not 8-bit BGR/BGRA/grey.</exception>
    public static FramePixels FromMat(Mat frame, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(frame, parameterName);
        if (frame.IsDisposed)
        {
            throw new ArgumentException("The frame has already been disposed; pass a live Mat.", parameterName);
        }

        if (frame.Empty())
        {
            throw new ArgumentException(
                "The frame is empty (0 pixels): the camera or file produced no image. Check the source before preprocessing.",
                parameterName);
        }

        if (frame.Dims != 2)
        {
            throw new ArgumentException(
                $"The frame has {frame.Dims} dimensions; an image Mat with 2 (rows x columns) is expected.", parameterName);
        }

        MatType type = frame.Type();
        FramePixelFormat format =
            type == MatType.CV_8UC3 ? FramePixelFormat.Bgr
            : type == MatType.CV_8UC4 ? FramePixelFormat.Bgra
            : type == MatType.CV_8UC1 ? FramePixelFormat.Gray
            : throw new ArgumentException(
                $"Unsupported frame type {type}: expected 8-bit BGR (CV_8UC3), BGRA (CV_8UC4) or grey (CV_8UC1). " +
                "Convert it first, e.g. Cv2.CvtColor for other colour orders or Mat.ConvertTo(dst, MatType.CV_8UC3, scale) " +
                "for 16-bit or float frames.",
                parameterName);
        return new FramePixels((byte*)frame.DataPointer, frame.Step(), frame.Cols, frame.Rows, format);
    }

    /// <summary>
    /// Writes the frame as packed BGR (3 * Width bytes per row) into <paramref name="destination"/>, which must
    /// hold 3 * Width * Height bytes. Alpha is dropped and grey is replicated, as PIL's convert("RGB") does.
    /// </summary>
    public void CopyAsBgr(byte* destination)
    {
        for (int y = 0; y < Height; y++)
        {
            byte* source = Data + (y * RowStride);
            byte* target = destination + ((long)y * Width * 3);
            switch (Format)
            {
                case FramePixelFormat.Bgr:
                    Buffer.MemoryCopy(source, target, Width * 3L, Width * 3L);
                    break;
                case FramePixelFormat.Bgra:
                    for (int x = 0; x < Width; x++)
                    {
                        target[(x * 3) + 0] = source[(x * 4) + 0];
                        target[(x * 3) + 1] = source[(x * 4) + 1];
                        target[(x * 3) + 2] = source[(x * 4) + 2];
                    }

                    break;
                default:
                    for (int x = 0; x < Width; x++)
                    {
                        byte value = source[x];
                        target[(x * 3) + 0] = value;
                        target[(x * 3) + 1] = value;
                        target[(x * 3) + 2] = value;
                    }

                    break;
            }
        }
    }
}
