using System.Numerics;

namespace EdgePali.Vision.Imaging;

/// <summary>
/// Pillow's <c>Image.resize((W, H), Image.BICUBIC)</c> for one input size, reproduced bit for bit
/// (ImagingResampleInner / ImagingResample{Horizontal,Vertical}_8bpc in src/libImaging/Resample.c):
/// a horizontal pass over only the rows the vertical pass reads, rounded and clipped to 8 bits, then a
/// vertical pass, both with 22-bit fixed-point weights and integer sums. No library does this: OpenCV's
/// cubic/linear resizes do not widen the kernel when shrinking (they alias), INTER_AREA is a box filter,
/// and transformers.js (sharp) differs by 15/255 on average; the model was trained on Pillow's output.
/// </summary>
/// <remarks>
/// Owns its scratch buffers (sized once for this input size), so resizing allocates nothing; not thread-safe.
/// Vectorised with <see cref="Vector{T}"/>, which maps to AVX2 on x64 and NEON on ARM64; integer sums are
/// exact in any order, so the result does not depend on the vector width.
/// </remarks>
internal sealed unsafe class PillowBicubicResizer
{
    private readonly PillowResampleAxis _horizontal;
    private readonly PillowResampleAxis _vertical;
    private readonly int _planeCount;

    // First source row the vertical pass reads, and how many (Pillow's ybox_first / ybox_last - ybox_first).
    private readonly int _firstRow;
    private readonly int _rowCount;

    // One source row split into int planes (R, G, B), each _rowPlaneLength long, for the horizontal dot products.
    private readonly int[] _rowPlanes;
    private readonly int _rowPlaneLength;

    // Horizontal result: _planeCount planes of _rowCount rows x OutputStride bytes.
    private readonly byte[] _intermediate;

    public PillowBicubicResizer(int inputWidth, int inputHeight, int outputWidth, int outputHeight, int planeCount)
    {
        _horizontal = PillowResampleAxis.Create(inputWidth, outputWidth);
        _vertical = PillowResampleAxis.Create(inputHeight, outputHeight);
        _planeCount = planeCount;
        _firstRow = _vertical.FirstTaps[0];
        _rowCount = _vertical.FirstTaps[outputHeight - 1] + _vertical.TapCounts[outputHeight - 1] - _firstRow;

        // Rows padded to whole byte vectors so the vertical pass needs no scalar tail; the padding is never read back.
        OutputStride = (outputWidth + Vector<byte>.Count - 1) / Vector<byte>.Count * Vector<byte>.Count;
        _rowPlaneLength = _horizontal.InputSpan;
        _rowPlanes = new int[planeCount * _rowPlaneLength];
        _intermediate = new byte[planeCount * _rowCount * OutputStride];
        // Pillow skips the vertical pass when the height is kept: the horizontal result is the output.
        OutputPlanes = _vertical.IsIdentity ? _intermediate : new byte[planeCount * outputHeight * OutputStride];
    }

    public int InputWidth => _horizontal.InputSize;

    public int InputHeight => _vertical.InputSize;

    public int OutputWidth => _horizontal.OutputSize;

    /// <summary>3 (R, G, B) for colour frames, 1 for grey.</summary>
    public int PlaneCount => _planeCount;

    public int OutputHeight => _vertical.OutputSize;

    /// <summary>Bytes from one output row to the next in <see cref="OutputPlanes"/> (at least <see cref="OutputWidth"/>).</summary>
    public int OutputStride { get; }

    /// <summary>The resized image after <see cref="Resize"/>: one byte plane per colour (R, G, B; one plane for grey),
    /// each <see cref="OutputHeight"/> rows of <see cref="OutputStride"/> bytes.</summary>
    public byte[] OutputPlanes { get; }

    public int PlaneLength => OutputHeight * OutputStride;

    public void Resize(in FramePixels source)
    {
        if (source.Width != InputWidth || source.Height != InputHeight || source.PlaneCount != _planeCount)
        {
            throw new InvalidOperationException(
                $"This resizer was prepared for {InputWidth}x{InputHeight} with {_planeCount} planes, " +
                $"not {source.Width}x{source.Height} with {source.PlaneCount}.");
        }

        if (_horizontal.IsIdentity)
        {
            CopyRows(source);
        }
        else
        {
            ResampleRows(source);
        }

        if (!_vertical.IsIdentity)
        {
            ResampleColumns();
        }
    }

    // The width is kept: the horizontal "pass" only splits the needed rows into planes.
    private void CopyRows(in FramePixels source)
    {
        int width = InputWidth;
        fixed (byte* intermediate = _intermediate)
        {
            for (int r = 0; r < _rowCount; r++)
            {
                byte* row = source.Data + ((_firstRow + r) * source.RowStride);
                for (int p = 0; p < _planeCount; p++)
                {
                    byte* src = row + source.OffsetOf(p);
                    byte* dst = intermediate + (((p * _rowCount) + r) * OutputStride);
                    for (int x = 0; x < width; x++)
                    {
                        dst[x] = src[x * source.PixelSize];
                    }
                }
            }
        }
    }

    // ImagingResampleHorizontal_8bpc over rows _firstRow .. _firstRow + _rowCount.
    private void ResampleRows(in FramePixels source)
    {
        int lanes = Vector<int>.Count;
        int outputWidth = OutputWidth;
        int weightStride = _horizontal.WeightStride;
        int planeSize = _rowCount * OutputStride;
        fixed (int* rowPlanes = _rowPlanes)
        fixed (int* weights = _horizontal.Weights)
        fixed (int* firstTaps = _horizontal.FirstTaps)
        fixed (int* tapCounts = _horizontal.TapCounts)
        fixed (byte* intermediate = _intermediate)
        {
            for (int r = 0; r < _rowCount; r++)
            {
                byte* row = source.Data + ((_firstRow + r) * source.RowStride);
                SplitRow(row, source, rowPlanes);
                byte* outRow = intermediate + (r * OutputStride);
                if (_planeCount == 3)
                {
                    int* red = rowPlanes;
                    int* green = rowPlanes + _rowPlaneLength;
                    int* blue = rowPlanes + (2 * _rowPlaneLength);
                    for (int xx = 0; xx < outputWidth; xx++)
                    {
                        int first = firstTaps[xx];
                        int vectors = (tapCounts[xx] + lanes - 1) / lanes;
                        int* w = weights + (xx * weightStride);
                        Vector<int> sumR = Vector<int>.Zero, sumG = Vector<int>.Zero, sumB = Vector<int>.Zero;
                        for (int v = 0; v < vectors; v++)
                        {
                            int offset = first + (v * lanes);
                            Vector<int> wv = Vector.Load(w + (v * lanes));
                            sumR += Vector.Load(red + offset) * wv;
                            sumG += Vector.Load(green + offset) * wv;
                            sumB += Vector.Load(blue + offset) * wv;
                        }

                        outRow[xx] = PillowResampleAxis.Clip8(Vector.Sum(sumR) + PillowResampleAxis.RoundingBias);
                        outRow[planeSize + xx] = PillowResampleAxis.Clip8(Vector.Sum(sumG) + PillowResampleAxis.RoundingBias);
                        outRow[(2 * planeSize) + xx] = PillowResampleAxis.Clip8(Vector.Sum(sumB) + PillowResampleAxis.RoundingBias);
                    }
                }
                else
                {
                    for (int xx = 0; xx < outputWidth; xx++)
                    {
                        int first = firstTaps[xx];
                        int vectors = (tapCounts[xx] + lanes - 1) / lanes;
                        int* w = weights + (xx * weightStride);
                        Vector<int> sum = Vector<int>.Zero;
                        for (int v = 0; v < vectors; v++)
                        {
                            sum += Vector.Load(rowPlanes + first + (v * lanes)) * Vector.Load(w + (v * lanes));
                        }

                        outRow[xx] = PillowResampleAxis.Clip8(Vector.Sum(sum) + PillowResampleAxis.RoundingBias);
                    }
                }
            }
        }
    }

    // Widens one interleaved source row into int planes so the dot products are plain vector loads.
    private void SplitRow(byte* row, in FramePixels source, int* rowPlanes)
    {
        int width = InputWidth;
        int pixelSize = source.PixelSize;
        if (_planeCount == 1)
        {
            for (int x = 0; x < width; x++)
            {
                rowPlanes[x] = row[x * pixelSize];
            }

            return;
        }

        int* red = rowPlanes;
        int* green = rowPlanes + _rowPlaneLength;
        int* blue = rowPlanes + (2 * _rowPlaneLength);
        byte* r = row + source.RedOffset;
        byte* g = row + source.GreenOffset;
        byte* b = row + source.BlueOffset;
        for (int x = 0; x < width; x++)
        {
            int at = x * pixelSize;
            red[x] = r[at];
            green[x] = g[at];
            blue[x] = b[at];
        }
    }

    // ImagingResampleVertical_8bpc, vectorised across output columns: every column of a row shares the weights.
    private void ResampleColumns()
    {
        int byteLanes = Vector<byte>.Count;
        int stride = OutputStride;
        int outputHeight = OutputHeight;
        int weightStride = _vertical.WeightStride;
        var bias = new Vector<int>(PillowResampleAxis.RoundingBias);
        var max = new Vector<int>(255);
        fixed (int* weights = _vertical.Weights)
        fixed (int* firstTaps = _vertical.FirstTaps)
        fixed (int* tapCounts = _vertical.TapCounts)
        fixed (byte* intermediate = _intermediate)
        fixed (byte* output = OutputPlanes)
        {
            for (int yy = 0; yy < outputHeight; yy++)
            {
                int first = firstTaps[yy] - _firstRow;
                int taps = tapCounts[yy];
                int* w = weights + (yy * weightStride);
                for (int p = 0; p < _planeCount; p++)
                {
                    byte* plane = intermediate + (p * _rowCount * stride) + (first * stride);
                    byte* outRow = output + (p * outputHeight * stride) + (yy * stride);
                    for (int x = 0; x < stride; x += byteLanes)
                    {
                        Vector<int> s0 = bias, s1 = bias, s2 = bias, s3 = bias;
                        byte* column = plane + x;
                        for (int t = 0; t < taps; t++)
                        {
                            var wt = new Vector<int>(w[t]);
                            Vector.Widen(Vector.Load(column + (t * stride)), out Vector<ushort> low, out Vector<ushort> high);
                            Vector.Widen(low, out Vector<uint> v0, out Vector<uint> v1);
                            Vector.Widen(high, out Vector<uint> v2, out Vector<uint> v3);
                            s0 += Vector.AsVectorInt32(v0) * wt;
                            s1 += Vector.AsVectorInt32(v1) * wt;
                            s2 += Vector.AsVectorInt32(v2) * wt;
                            s3 += Vector.AsVectorInt32(v3) * wt;
                        }

                        Vector<short> lowHalf = Vector.Narrow(Clip(s0, max), Clip(s1, max));
                        Vector<short> highHalf = Vector.Narrow(Clip(s2, max), Clip(s3, max));
                        Vector.Store(Vector.AsVectorByte(Vector.Narrow(lowHalf, highHalf)), outRow + x);
                    }
                }
            }
        }
    }

    // Pillow's clip8 on a vector of sums: shift out the fraction, clamp to 0..255 (narrowing then keeps the byte).
    private static Vector<int> Clip(Vector<int> sum, Vector<int> max) =>
        Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(sum, PillowResampleAxis.PrecisionBits), Vector<int>.Zero), max);
}
