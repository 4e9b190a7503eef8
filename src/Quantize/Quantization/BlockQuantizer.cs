namespace EdgePali.Quantize.Quantization;

/// <summary>
/// Block-wise weight quantisation in the layout of ORT's MatMulNBits (com.microsoft): each output row n of a
/// weight [N, K] is cut into blocks of <c>blockSize</c> along K; a block stores <c>bits</c>-bit codes q with
/// value = scale * (q - zero_point). B is uint8 [N, k_blocks, blockSize*bits/8] (low nibble first for 4 bits),
/// scales float [N * k_blocks], zero points uint8 packed per row.
/// 8 bits: symmetric (zero point 128, the operator's default, so no zero-point input): round-to-nearest of
/// w/scale with scale = absmax/127 loses little even with outliers inside a block.
/// 4 bits: asymmetric min/max with a zero point per block, which uses all 16 levels on skewed blocks.
/// </summary>
public sealed class BlockQuantizer
{
    public BlockQuantizer(int bits, int blockSize, int k)
    {
        if (bits is not (4 or 8))
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "Only 4- and 8-bit MatMulNBits weights are supported.");
        if (blockSize < 16 || (blockSize & (blockSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "Block size must be a power of two, at least 16 (MatMulNBits).");
        Bits = bits;
        BlockSize = blockSize;
        K = k;
        KBlocks = (k + blockSize - 1) / blockSize;
    }

    public int Bits { get; }

    public int BlockSize { get; }

    public int K { get; }

    public int KBlocks { get; }

    public int BlobBytes => BlockSize * Bits / 8;

    public int RowBytes => KBlocks * BlobBytes;

    /// <summary>Zero-point bytes per row (4 bits only; 8 bits uses the default zero point).</summary>
    public int ZeroPointRowBytes => Bits == 4 ? (KBlocks + 1) / 2 : 0;

    public bool HasZeroPoints => Bits == 4;

    /// <summary>Quantises one row of K weights.</summary>
    public void QuantizeRow(ReadOnlySpan<float> row, Span<byte> packed, Span<float> scales, Span<byte> zeroPoints)
    {
        packed[..RowBytes].Clear();
        zeroPoints[..ZeroPointRowBytes].Clear();
        for (var b = 0; b < KBlocks; b++)
        {
            var start = b * BlockSize;
            var block = row.Slice(start, Math.Min(BlockSize, K - start));
            var blob = packed.Slice(b * BlobBytes, BlobBytes);
            if (Bits == 8)
            {
                scales[b] = QuantizeSymmetric8(block, blob);
            }
            else
            {
                scales[b] = QuantizeAsymmetric4(block, blob, out var zeroPoint);
                zeroPoints[b / 2] |= (byte)((b % 2 == 0) ? zeroPoint : zeroPoint << 4);
            }
        }
    }

    private static float QuantizeSymmetric8(ReadOnlySpan<float> block, Span<byte> blob)
    {
        var absMax = 0f;
        foreach (var w in block)
            absMax = MathF.Max(absMax, MathF.Abs(w));
        var scale = absMax / 127f;
        var inverse = scale == 0 ? 0 : 1f / scale;
        blob.Fill(128);
        for (var i = 0; i < block.Length; i++)
            blob[i] = (byte)(Math.Clamp((int)MathF.Round(block[i] * inverse), -127, 127) + 128);
        return scale;
    }

    private float QuantizeAsymmetric4(ReadOnlySpan<float> block, Span<byte> blob, out int zeroPoint)
    {
        float min = 0, max = 0;
        foreach (var w in block)
        {
            min = MathF.Min(min, w);
            max = MathF.Max(max, w);
        }

        var scale = (max - min) / 15f;
        var inverse = scale == 0 ? 0 : 1f / scale;
        zeroPoint = scale == 0 ? 8 : Math.Clamp((int)MathF.Round(-min * inverse), 0, 15);
        for (var i = 0; i < BlockSize; i++)
        {
            var q = i < block.Length ? Math.Clamp((int)MathF.Round(block[i] * inverse) + zeroPoint, 0, 15) : zeroPoint;
            blob[i / 2] |= (byte)((i % 2 == 0) ? q : q << 4);
        }

        return scale;
    }
}
