namespace EdgePali.Quantize.Checkpoints;

/// <summary>
/// Deterministic random values for one tensor, addressable by element offset so tensors can be generated in
/// chunks. Laplace noise (heavier tails than Gaussian) scaled like a trained layer; linear layers get a few
/// input channels amplified <c>OutlierGain</c> times, as real LLM weights do.
/// </summary>
internal sealed class RandomWeights
{
    private readonly ulong _seed;
    private readonly float _scale;
    private readonly float _center;
    private readonly int[] _outlierColumns;
    private readonly long _columns;

    /// <summary>One outlier input channel per this many columns (at least one): real LLM layers have a handful among thousands.</summary>
    public const int ColumnsPerOutlierChannel = 256;

    private readonly PlantedNextTokenMemory? _memory;
    private readonly string _name;

    /// <param name="memory">Structure added on top of the noise for the tensors it touches (test checkpoints' next-token memory).</param>
    public RandomWeights(ExpectedTensor tensor, int seed, float outlierGain = 6f, PlantedNextTokenMemory? memory = null)
    {
        _name = tensor.Name;
        _memory = memory is not null && memory.Touches(tensor.Name) ? memory : null;
        _seed = Mix((ulong)seed * 0x9E3779B97F4A7C15UL ^ StableHash(tensor.Name));
        _columns = tensor.Shape[^1];
        OutlierGain = outlierGain;
        var fanIn = tensor.Role == TensorRole.PatchConvolution ? tensor.ElementCount / tensor.Shape[0] : _columns;
        (_center, _scale) = tensor.Role switch
        {
            TensorRole.Linear or TensorRole.PatchConvolution => (0f, 1f / MathF.Sqrt(fanIn)),
            TensorRole.Bias => (0f, 0.02f),
            TensorRole.LayerNormWeight => (1f, 0.05f),
            TensorRole.RmsNormWeight => (0f, 0.1f),
            TensorRole.TokenEmbedding => (0f, 3f / MathF.Sqrt(_columns)),
            _ => (0f, 0.02f),
        };
        var rng = new Random((int)(_seed & 0x7FFFFFFF));
        _outlierColumns = tensor.Role == TensorRole.Linear
            ? Enumerable.Range(0, (int)Math.Max(1, _columns / ColumnsPerOutlierChannel)).Select(_ => rng.Next((int)_columns)).ToArray()
            : [];
    }

    private float OutlierGain { get; }

    public void Fill(long offset, Span<float> destination)
    {
        // Laplace with standard deviation `scale`: b = scale / sqrt(2).
        var b = _scale / MathF.Sqrt(2f);
        for (var i = 0; i < destination.Length; i++)
        {
            var index = offset + i;
            var u = (Mix(_seed + (ulong)index) >> 40) * (1.0 / (1UL << 24)) - 0.5;
            var magnitude = -Math.Log(1 - (2 * Math.Abs(u)) + 1e-12);
            var value = _center + (float)(Math.Sign(u) * magnitude) * b;
            if (_memory is not null)
                value += _memory.Term(_name, index);
            if (_outlierColumns.Length > 0 && Array.IndexOf(_outlierColumns, (int)(index % _columns)) >= 0)
                value *= OutlierGain;
            destination[i] = value;
        }
    }

    private static ulong Mix(ulong z)
    {
        // SplitMix64 finaliser: a stateless hash, so any element can be generated independently.
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong StableHash(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text)
            h = (h ^ c) * 1099511628211UL;
        return h;
    }
}
