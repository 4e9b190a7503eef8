namespace EdgePali.Vision.Imaging;

/// <summary>
/// Turns a camera frame into the vision encoder's <c>pixel_values</c> [1, 3, S, S] exactly as the Hugging Face
/// SiglipImageProcessor does: convert to RGB, resize straight to S x S with Pillow's antialiased BICUBIC
/// (see <see cref="PillowBicubicResizer"/>), rescale, normalise, channels first.
/// </summary>
/// <remarks>
/// Coefficient tables and scratch buffers are prepared on the first frame of each size and reused, so steady
/// state allocates nothing. Calls are serialised by a lock, so one instance may be shared.
/// </remarks>
public sealed class ImagePreprocessor
{
    // Frame sizes seen recently; cameras keep one size, so a small cache is plenty. Cleared when it overflows.
    private const int MaxCachedSizes = 4;

    private readonly Dictionary<(int Width, int Height), PillowBicubicResizer> _resizers = [];
    private readonly float[][] _lookupTables;
    private readonly HorizontalKernel _kernel;
    private readonly Lock _gate = new();
    private byte[] _bgrScratch = [];

    /// <param name="imageSize">S, the square input size of the vision encoder (224, 448 or 896 for PaliGemma).</param>
    /// <param name="normalization">The package's rescale/mean/std (<see cref="ImageNormalization.Siglip"/> for PaliGemma).</param>
    public ImagePreprocessor(int imageSize, ImageNormalization normalization)
        : this(imageSize, normalization, HorizontalKernels.Best)
    {
    }

    /// <summary>Tests pick the kernel to check each one against Pillow, whatever the CPU would choose.</summary>
    internal ImagePreprocessor(int imageSize, ImageNormalization normalization, HorizontalKernel kernel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        ArgumentNullException.ThrowIfNull(normalization);
        ImageSize = imageSize;
        Normalization = normalization;
        _kernel = kernel;
        _lookupTables = [normalization.CreateLookupTable(0), normalization.CreateLookupTable(1), normalization.CreateLookupTable(2)];
    }

    /// <summary>S: output height and width.</summary>
    public int ImageSize { get; }

    /// <summary>The rescale, mean and std applied after resizing, from the package's preprocessor_config.json.</summary>
    public ImageNormalization Normalization { get; }

    /// <summary>Floats in one image's <c>pixel_values</c>: 3 * S * S.</summary>
    public int PixelValuesLength => 3 * ImageSize * ImageSize;

    /// <summary>
    /// Writes <paramref name="frame"/> as normalised CHW RGB floats into <paramref name="pixelValues"/>
    /// (e.g. <c>ortValue.GetTensorMutableDataAsSpan&lt;float&gt;()</c> of a [1, 3, S, S] tensor).
    /// </summary>
    /// <param name="frame">8-bit BGR, RGB, BGRA (alpha ignored) or grey, any size, rows padded or not.</param>
    /// <param name="pixelValues">At least <see cref="PixelValuesLength"/> floats; the first that many are written.</param>
    /// <exception cref="ArgumentException">Unsupported or empty frame, or a destination that is too small.</exception>
    public void Preprocess(ImageFrame frame, Span<float> pixelValues)
    {
        frame.ThrowIfEmpty(nameof(frame));
        RequireLength(pixelValues.Length, PixelValuesLength, "pixelValues", "floats");
        lock (_gate)
        {
            PillowBicubicResizer resizer = ResizeLocked(frame);
            WriteNormalized(resizer, pixelValues);
        }
    }

    /// <summary>
    /// Writes the resized 8-bit image, interleaved RGB (HWC, S * S * 3 bytes) - what Pillow's resize returns
    /// before rescaling. For debugging and conformance checks.
    /// </summary>
    /// <exception cref="ArgumentException">Unsupported or empty frame, or a destination that is too small.</exception>
    public void ResizeToRgb(ImageFrame frame, Span<byte> rgb)
    {
        frame.ThrowIfEmpty(nameof(frame));
        RequireLength(rgb.Length, PixelValuesLength, nameof(rgb), "bytes");
        lock (_gate)
        {
            PillowBicubicResizer resizer = ResizeLocked(frame);
            int size = ImageSize;
            ReadOnlySpan<byte> planes = resizer.OutputPlanes;
            for (int c = 0; c < 3; c++)
            {
                ReadOnlySpan<byte> plane = planes.Slice(c * resizer.PlaneLength, resizer.PlaneLength);
                for (int y = 0; y < size; y++)
                {
                    ReadOnlySpan<byte> row = plane.Slice(y * resizer.OutputStride, size);
                    Span<byte> outRow = rgb.Slice(y * size * 3, size * 3);
                    for (int x = 0; x < row.Length; x++)
                    {
                        outRow[(x * 3) + c] = row[x];
                    }
                }
            }
        }
    }

    private unsafe PillowBicubicResizer ResizeLocked(in ImageFrame frame)
    {
        var key = (frame.Width, frame.Height);
        if (!_resizers.TryGetValue(key, out PillowBicubicResizer? resizer))
        {
            if (_resizers.Count >= MaxCachedSizes)
            {
                _resizers.Clear();
            }

            resizer = new PillowBicubicResizer(frame.Width, frame.Height, ImageSize, ImageSize, _kernel);
            _resizers.Add(key, resizer);
        }

        if (frame.Format == ImagePixelFormat.Bgr24)
        {
            // Pinning a managed array takes a GC handle, not a heap allocation; native memory is already fixed.
            using System.Buffers.MemoryHandle pinned = frame.Pixels.Pin();
            resizer.Resize((byte*)pinned.Pointer, frame.Stride);
            return resizer;
        }

        // RGB, BGRA and grey frames are repacked as BGR first (alpha dropped, grey replicated, as PIL's
        // convert("RGB") does), so the resize kernels handle one layout only.
        int bgrLength = checked(frame.Width * frame.Height * 3);
        if (_bgrScratch.Length < bgrLength)
        {
            _bgrScratch = new byte[bgrLength];
        }

        frame.CopyAsBgr(_bgrScratch);
        fixed (byte* bgr = _bgrScratch)
        {
            resizer.Resize(bgr, frame.Width * 3L);
        }

        return resizer;
    }

    private void WriteNormalized(PillowBicubicResizer resizer, Span<float> pixelValues)
    {
        int size = ImageSize;
        int planeFloats = size * size;
        ReadOnlySpan<byte> planes = resizer.OutputPlanes;
        for (int c = 0; c < 3; c++)
        {
            ReadOnlySpan<float> table = _lookupTables[c];
            ReadOnlySpan<byte> plane = planes.Slice(c * resizer.PlaneLength, resizer.PlaneLength);
            Span<float> channel = pixelValues.Slice(c * planeFloats, planeFloats);
            for (int y = 0; y < size; y++)
            {
                ReadOnlySpan<byte> row = plane.Slice(y * resizer.OutputStride, size);
                Span<float> outRow = channel.Slice(y * size, size);
                for (int x = 0; x < row.Length; x++)
                {
                    outRow[x] = table[row[x]];
                }
            }
        }
    }

    private static void RequireLength(int actual, int required, string parameterName, string unit)
    {
        if (actual < required)
        {
            throw new ArgumentException(
                $"The destination holds {actual} {unit} but one {required}-{unit[..^1]} image (3 x S x S) is needed.",
                parameterName);
        }
    }
}
