namespace EdgePali.Quantize.Vae;

/// <summary>
/// Random VQ-VAE decoder weights with the keys and shapes of big_vision's vae-oid.npz, for tests and demo
/// packages (the real file cannot be downloaded here). Convolution weights are He-uniform (+-sqrt(6/fan-in)),
/// which keeps activations of order one through the ReLU stack, and biases small (+-0.1), so a random
/// decoder still draws masks that are partly inside and partly outside rather than all one sign.
/// </summary>
public static class TestVae
{
    /// <summary>big_vision's codebook width; *unverified* against the real file, which is why any D is accepted.</summary>
    public const int DefaultEmbeddingDim = 512;

    public static IReadOnlyList<NpyArray> CreateArrays(int seed = 0, int embeddingDim = DefaultEmbeddingDim)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingDim);
        var random = new Random(seed);
        var arrays = new List<NpyArray>();
        var fanIn = new Dictionary<string, int>(StringComparer.Ordinal); // layer -> fan-in, set by its weight
        foreach (var (key, shape) in VaeDecoderWeights.ExpectedShapes(embeddingDim))
        {
            var data = new float[shape.Aggregate(1, (a, b) => a * b)];
            var layer = key[..key.LastIndexOf('.')];
            if (key == VaeDecoderWeights.CodebookKey)
            {
                for (var i = 0; i < data.Length; i++)
                    data[i] = Gaussian(random);
            }
            else
            {
                if (key.EndsWith(".weight", StringComparison.Ordinal))
                {
                    // A stride-2, kernel-4 transposed conv feeds each output pixel from in * 2 * 2 taps.
                    fanIn[layer] = VaeDecoderWeights.Upsamplers.Any(u => u.Name == layer)
                        ? shape[0] * 4
                        : shape[1] * shape[2] * shape[3];
                }

                var bound = key.EndsWith(".bias", StringComparison.Ordinal) ? 0.1f : MathF.Sqrt(6f / fanIn[layer]);
                for (var i = 0; i < data.Length; i++)
                    data[i] = ((random.NextSingle() * 2) - 1) * bound;
            }

            arrays.Add(new NpyArray(key, shape, data));
        }

        return arrays;
    }

    /// <summary>Writes a random vae-oid.npz look-alike to <paramref name="npzPath"/>.</summary>
    public static void Write(string npzPath, int seed = 0, int embeddingDim = DefaultEmbeddingDim) =>
        NpzFile.Write(npzPath, CreateArrays(seed, embeddingDim));

    private static float Gaussian(Random random)
    {
        var u1 = 1 - random.NextDouble();
        var u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
