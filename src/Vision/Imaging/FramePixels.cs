using OpenCvSharp;

namespace EdgePali.Vision.Imaging;

/// <summary>
/// Where the 8-bit pixels of a frame are and how to read R, G and B from them. OpenCV frames are BGR (or BGRA,
/// or grey); planes are always produced in RGB order, which is what the model was trained on.
/// </summary>
internal readonly unsafe struct FramePixels
{
    private FramePixels(byte* data, long rowStride, int width, int height, int pixelSize, int planeCount, int redOffset, int greenOffset, int blueOffset)
    {
        Data = data;
        RowStride = rowStride;
        Width = width;
        Height = height;
        PixelSize = pixelSize;
        PlaneCount = planeCount;
        RedOffset = redOffset;
        GreenOffset = greenOffset;
        BlueOffset = blueOffset;
    }

    public byte* Data { get; }

    public long RowStride { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Bytes per pixel: 3 for BGR, 4 for BGRA (alpha is ignored, as PIL's convert("RGB") does), 1 for grey.</summary>
    public int PixelSize { get; }

    /// <summary>3 for colour; 1 for grey, whose single plane stands for R, G and B alike.</summary>
    public int PlaneCount { get; }

    public int RedOffset { get; }

    public int GreenOffset { get; }

    public int BlueOffset { get; }

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
        var pixels = (byte*)frame.DataPointer;
        long stride = frame.Step();
        if (type == MatType.CV_8UC3)
        {
            return new FramePixels(pixels, stride, frame.Cols, frame.Rows, 3, 3, redOffset: 2, greenOffset: 1, blueOffset: 0);
        }

        if (type == MatType.CV_8UC4)
        {
            return new FramePixels(pixels, stride, frame.Cols, frame.Rows, 4, 3, redOffset: 2, greenOffset: 1, blueOffset: 0);
        }

        if (type == MatType.CV_8UC1)
        {
            return new FramePixels(pixels, stride, frame.Cols, frame.Rows, 1, 1, redOffset: 0, greenOffset: 0, blueOffset: 0);
        }

        throw new ArgumentException(
            $"Unsupported frame type {type}: expected 8-bit BGR (CV_8UC3), BGRA (CV_8UC4) or grey (CV_8UC1). " +
            "Convert it first, e.g. Cv2.CvtColor for other colour orders or Mat.ConvertTo(dst, MatType.CV_8UC3, scale) " +
            "for 16-bit or float frames.",
            parameterName);
    }

    /// <summary>Offset of plane <paramref name="plane"/> (0 = R, 1 = G, 2 = B) inside a pixel.</summary>
    public int OffsetOf(int plane) => plane switch
    {
        0 => RedOffset,
        1 => GreenOffset,
        _ => BlueOffset,
    };
}
