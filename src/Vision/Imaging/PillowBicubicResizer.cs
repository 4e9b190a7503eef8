using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgePali.Vision.Imaging;

/// <summary>
/// Pillow's <c>Image.resize((W, H), Image.BICUBIC)</c> of a packed BGR image of one size, reproduced bit for bit
/// (ImagingResampleInner / ImagingResample{Horizontal,Vertical}_8bpc in src/libImaging/Resample.c):
/// a horizontal pass over only the rows the vertical pass reads, rounded and clipped to 8 bits, then a
/// vertical pass, both with 22-bit fixed-point weights and integer sums. Written here because no library does
/// this: OpenCV's cubic/linear resizes do not widen the kernel when shrinking (they alias), INTER_AREA is a box
/// filter, and transformers.js (sharp) differs by 15/255 on average; the model was trained on Pillow's output.
/// </summary>
/// <remarks>
/// Owns its scratch buffers (sized once for this input size), so resizing allocates nothing; not thread-safe.
/// Integer sums are exact in any order, so every kernel and vector width gives Pillow's bytes.
/// </remarks>
internal sealed unsafe class PillowBicubicResizer
{
    private const int Channels = 3;

    private readonly PillowResampleAxis _horizontal;
    private readonly PillowResampleAxis _vertical;
    private readonly HorizontalKernel _kernel;

    // First source row the vertical pass reads, and how many (Pillow's ybox_first, ybox_last - ybox_first).
    private readonly int _firstRow;
    private readonly int _rowCount;

    // Output columns whose vector reads stay inside the source row; the last few columns use the scalar loop.
    private readonly int _vectorColumns;

    // AVX2 kernel: per output column, the weights of each tap pair spread over 8 lanes as B G R B G R - -.
    private readonly int[] _pairWeights = [];
    private readonly int _pairStride;

    // Horizontal result: R, G, B planes of _rowCount rows x OutputStride bytes.
    private readonly byte[] _intermediate;

    public PillowBicubicResizer(int inputWidth, int inputHeight, int outputWidth, int outputHeight, HorizontalKernel kernel)
    {
        _horizontal = PillowResampleAxis.Create(inputWidth, outputWidth);
        _vertical = PillowResampleAxis.Create(inputHeight, outputHeight);
        _kernel = kernel;
        _firstRow = _vertical.FirstTaps[0];
        _rowCount = _vertical.FirstTaps[outputHeight - 1] + _vertical.TapCounts[outputHeight - 1] - _firstRow;

        if (kernel == HorizontalKernel.Avx2)
        {
            (_pairWeights, _pairStride) = SpreadPairWeights(_horizontal);
        }

        _vectorColumns = CountVectorColumns(_horizontal, kernel);

        // Rows padded to whole byte vectors so the vertical pass needs no scalar tail; the padding is never read back.
        OutputStride = (outputWidth + Vector<byte>.Count - 1) / Vector<byte>.Count * Vector<byte>.Count;
        _intermediate = new byte[Channels * _rowCount * OutputStride];
        // Pillow skips the vertical pass when the height is kept: the horizontal result is the output.
        OutputPlanes = _vertical.IsIdentity ? _intermediate : new byte[Channels * outputHeight * OutputStride];
    }

    public int InputWidth => _horizontal.InputSize;

    public int InputHeight => _vertical.InputSize;

    public int OutputWidth => _horizontal.OutputSize;

    public int OutputHeight => _vertical.OutputSize;

    /// <summary>Bytes from one output row to the next in <see cref="OutputPlanes"/> (at least <see cref="OutputWidth"/>).</summary>
    public int OutputStride { get; }

    /// <summary>Bytes from one plane to the next in <see cref="OutputPlanes"/>.</summary>
    public int PlaneLength => OutputHeight * OutputStride;

    /// <summary>The resized image after <see cref="Resize"/>: R, G and B byte planes, each <see cref="OutputHeight"/>
    /// rows of <see cref="OutputStride"/> bytes.</summary>
    public byte[] OutputPlanes { get; }

    /// <summary>Resizes a packed BGR image (3 bytes per pixel; rows <paramref name="rowStride"/> bytes apart).</summary>
    public void Resize(byte* bgr, long rowStride)
    {
        if (_horizontal.IsIdentity)
        {
            SplitRows(bgr, rowStride);
        }
        else
        {
            ResampleRows(bgr, rowStride);
        }

        if (!_vertical.IsIdentity)
        {
            ResampleColumns();
        }
    }

    // The width is kept: the horizontal "pass" only splits the needed rows into planes.
    private void SplitRows(byte* bgr, long rowStride)
    {
        int width = InputWidth;
        int planeSize = _rowCount * OutputStride;
        fixed (byte* intermediate = _intermediate)
        {
            for (int r = 0; r < _rowCount; r++)
            {
                byte* row = bgr + ((_firstRow + r) * rowStride);
                byte* red = intermediate + (r * OutputStride);
                for (int x = 0; x < width; x++)
                {
                    red[x] = row[(x * 3) + 2];
                    red[planeSize + x] = row[(x * 3) + 1];
                    red[(2 * planeSize) + x] = row[x * 3];
                }
            }
        }
    }

    // ImagingResampleHorizontal_8bpc over rows _firstRow .. _firstRow + _rowCount.
    private void ResampleRows(byte* bgr, long rowStride)
    {
        int planeSize = _rowCount * OutputStride;
        int weightStride = _horizontal.WeightStride;
        fixed (int* weights = _horizontal.Weights)
        fixed (int* pairWeights = _pairWeights)
        fixed (int* firstTaps = _horizontal.FirstTaps)
        fixed (int* tapCounts = _horizontal.TapCounts)
        fixed (byte* intermediate = _intermediate)
        {
            int r = 0;
            if (_kernel != HorizontalKernel.Scalar)
            {
                // Four rows at a time share each weight load and the loop overhead.
                for (; r + 3 < _rowCount; r += 4)
                {
                    byte* row = bgr + ((_firstRow + r) * rowStride);
                    byte* red = intermediate + (r * OutputStride);
                    for (int xx = 0; xx < _vectorColumns; xx++)
                    {
                        byte* pixels = row + (firstTaps[xx] * 3);
                        if (_kernel == HorizontalKernel.Avx2)
                        {
                            FourRowsAvx2(pixels, rowStride, tapCounts[xx], pairWeights + (xx * _pairStride), red + xx, planeSize);
                        }
                        else
                        {
                            FourRowsVector128(pixels, rowStride, tapCounts[xx], weights + (xx * weightStride), red + xx, planeSize);
                        }
                    }

                    for (int i = 0; i < 4; i++)
                    {
                        ResampleScalar(row + (i * rowStride), red + (i * OutputStride), planeSize, _vectorColumns);
                    }
                }
            }

            // The scalar kernel, and the last rows (fewer than four) of the vector kernels.
            for (; r < _rowCount; r++)
            {
                ResampleScalar(bgr + ((_firstRow + r) * rowStride), intermediate + (r * OutputStride), planeSize, 0);
            }
        }
    }

    // Pillow's loop as written, for output columns from firstColumn on (also the columns whose vector loads
    // would run past the end of the source row).
    private void ResampleScalar(byte* row, byte* red, int planeSize, int firstColumn)
    {
        int weightStride = _horizontal.WeightStride;
        int[] weights = _horizontal.Weights;
        for (int xx = firstColumn; xx < OutputWidth; xx++)
        {
            byte* pixel = row + (_horizontal.FirstTaps[xx] * 3);
            int w = xx * weightStride;
            int b = PillowResampleAxis.RoundingBias, g = b, r = b;
            for (int t = 0; t < _horizontal.TapCounts[xx]; t++)
            {
                b += pixel[t * 3] * weights[w + t];
                g += pixel[(t * 3) + 1] * weights[w + t];
                r += pixel[(t * 3) + 2] * weights[w + t];
            }

            red[xx] = PillowResampleAxis.Clip8(r);
            red[planeSize + xx] = PillowResampleAxis.Clip8(g);
            red[(2 * planeSize) + xx] = PillowResampleAxis.Clip8(b);
        }
    }

    // One output column of four rows, two source pixels per step: vpmovzxbd widens 8 bytes (BGR BGR BG) to
    // 8 ints in one instruction; the last two lanes have zero weights.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FourRowsAvx2(byte* pixels, long rowStride, int taps, int* pairWeights, byte* red, int planeSize)
    {
        Vector256<int> sum0 = Vector256<int>.Zero, sum1 = sum0, sum2 = sum0, sum3 = sum0;
        int pairs = (taps + 1) >> 1;
        for (int p = 0; p < pairs; p++)
        {
            Vector256<int> w = Vector256.Load(pairWeights + (p * 8));
            byte* at = pixels + (p * 6);
            sum0 += Avx2.ConvertToVector256Int32(at) * w;
            sum1 += Avx2.ConvertToVector256Int32(at + rowStride) * w;
            sum2 += Avx2.ConvertToVector256Int32(at + (2 * rowStride)) * w;
            sum3 += Avx2.ConvertToVector256Int32(at + (3 * rowStride)) * w;
        }

        Store(FoldPairs(sum0), red, planeSize);
        Store(FoldPairs(sum1), red + OutputStride, planeSize);
        Store(FoldPairs(sum2), red + (2 * OutputStride), planeSize);
        Store(FoldPairs(sum3), red + (3 * OutputStride), planeSize);
    }

    // One output column of four rows, one source pixel (B, G, R, spare lane) per step; portable (NEON on ARM64).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FourRowsVector128(byte* pixels, long rowStride, int taps, int* weights, byte* red, int planeSize)
    {
        Vector128<int> sum0 = Vector128<int>.Zero, sum1 = sum0, sum2 = sum0, sum3 = sum0;
        for (int t = 0; t < taps; t++)
        {
            var w = Vector128.Create(weights[t]);
            byte* at = pixels + (t * 3);
            sum0 += WidenPixel(at) * w;
            sum1 += WidenPixel(at + rowStride) * w;
            sum2 += WidenPixel(at + (2 * rowStride)) * w;
            sum3 += WidenPixel(at + (3 * rowStride)) * w;
        }

        Store(sum0, red, planeSize);
        Store(sum1, red + OutputStride, planeSize);
        Store(sum2, red + (2 * OutputStride), planeSize);
        Store(sum3, red + (3 * OutputStride), planeSize);
    }

    // B, G, R and the next byte as four ints (the fourth lane is never read back).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> WidenPixel(byte* pixel) =>
        Vector128.WidenLower(Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(pixel)).AsByte())).AsInt32();

    // Adds lanes 3..5 (the odd pixels) onto lanes 0..2 (the even ones).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> FoldPairs(Vector256<int> sum) =>
        (sum + Avx2.PermuteVar8x32(sum, Vector256.Create(3, 4, 5, 6, 7, 0, 1, 2))).GetLower();

    // Pillow's clip8 on the (B, G, R) sums, written to the R, G and B planes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<int> bgrSums, byte* red, int planeSize)
    {
        Vector128<int> clipped = Vector128.Clamp(
            Vector128.ShiftRightArithmetic(bgrSums + Vector128.Create(PillowResampleAxis.RoundingBias), PillowResampleAxis.PrecisionBits),
            Vector128<int>.Zero,
            Vector128.Create(255));
        red[0] = (byte)clipped.GetElement(2);
        red[planeSize] = (byte)clipped.GetElement(1);
        red[2 * planeSize] = (byte)clipped.GetElement(0);
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
                for (int p = 0; p < Channels; p++)
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

    private static (int[] Weights, int Stride) SpreadPairWeights(PillowResampleAxis axis)
    {
        int stride = (axis.WeightStride + 1) / 2 * 8;
        var spread = new int[axis.OutputSize * stride];
        for (int xx = 0; xx < axis.OutputSize; xx++)
        {
            for (int t = 0; t < axis.TapCounts[xx]; t++)
            {
                int weight = axis.Weights[(xx * axis.WeightStride) + t];
                int lane = (xx * stride) + ((t / 2) * 8) + ((t % 2) * 3);
                spread[lane] = spread[lane + 1] = spread[lane + 2] = weight;
            }
        }

        return (spread, stride);
    }

    // Taps end where the source row ends only for the last columns (first + count grows with the column), so the
    // columns whose vector loads stay inside the row's 3 * width bytes are a prefix.
    private static int CountVectorColumns(PillowResampleAxis axis, HorizontalKernel kernel)
    {
        int rowBytes = axis.InputSize * Channels;
        int columns = 0;
        while (columns < axis.OutputSize)
        {
            int first = axis.FirstTaps[columns] * Channels;
            int taps = axis.TapCounts[columns];
            long readEnd = kernel switch
            {
                HorizontalKernel.Avx2 => first + ((((taps + 1) >> 1) - 1) * 6L) + 8,
                HorizontalKernel.Vector128 => first + ((taps - 1) * 3L) + 4,
                _ => 0,
            };
            if (kernel == HorizontalKernel.Scalar || readEnd > rowBytes)
            {
                break;
            }

            columns++;
        }

        return columns;
    }
}
