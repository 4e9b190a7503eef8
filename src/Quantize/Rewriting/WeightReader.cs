using EdgePali.Quantize.Onnx;
using Onnx;

namespace EdgePali.Quantize.Rewriting;

/// <summary>
/// Reads a constant 2-D float weight in the row order the quantisers want, a bounded chunk at a time:
/// rows of Wᵀ [N, K] (one output channel per row) whether the graph stores B as [K, N] (MatMul, Gemm) or
/// [N, K] (Gemm transB=1, an embedding table).
/// </summary>
internal sealed class WeightReader(OnnxModelSource source, TensorProto tensor, bool storedAsNByK)
{
    /// <summary>About this many floats per chunk (16 MiB), whatever the matrix size.</summary>
    private const int ChunkFloats = 4 << 20;

    public long K => storedAsNByK ? tensor.Dims[1] : tensor.Dims[0];

    public long N => storedAsNByK ? tensor.Dims[0] : tensor.Dims[1];

    /// <summary>Calls <paramref name="consume"/> with consecutive whole rows of Wᵀ ([count, K] row-major).</summary>
    public void ForEachRowChunk(Action<ReadOnlySpan<float>> consume, CancellationToken cancellationToken)
    {
        var k = (int)K;
        var n = (int)N;
        var rowsPerChunk = Math.Max(1, Math.Min(n, ChunkFloats / k));
        var chunk = new float[rowsPerChunk * k];
        if (storedAsNByK)
        {
            for (var first = 0; first < n; first += rowsPerChunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(rowsPerChunk, n - first);
                source.ReadFloats(tensor, (long)first * k, chunk.AsSpan(0, count * k));
                consume(chunk.AsSpan(0, count * k));
            }

            return;
        }

        // B is [K, N]: a chunk of output channels is a column block; read it as K strided segments.
        var segment = new float[rowsPerChunk];
        for (var first = 0; first < n; first += rowsPerChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(rowsPerChunk, n - first);
            for (var kk = 0; kk < k; kk++)
            {
                source.ReadFloats(tensor, ((long)kk * n) + first, segment.AsSpan(0, count));
                for (var c = 0; c < count; c++)
                    chunk[(c * k) + kk] = segment[c];
            }

            consume(chunk.AsSpan(0, count * k));
        }
    }
}
