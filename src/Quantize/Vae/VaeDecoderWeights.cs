namespace EdgePali.Quantize.Vae;

/// <summary>
/// The weights of PaliGemma's segmentation VQ-VAE decoder, as big_vision's vae-oid.npz stores them
/// (PyTorch names and layouts; big_vision evaluators/proj/paligemma/transfers/segmentation.py maps them to
/// its Flax decoder): a 128-entry codebook, a 1x1 conv to 128 channels, two residual blocks, four
/// stride-2 transposed convs (128, 64, 32, 16 channels) and a 1x1 conv to one channel.
/// Other arrays in the file (the encoder) are ignored. The codebook width D is read from the file.
/// </summary>
public sealed class VaeDecoderWeights
{
    public const string CodebookKey = "_vq_vae._embedding";
    public const int CodebookSize = 128;
    public const int CodesPerMask = 16;
    public const int MaskSize = 64;
    public const int Width = 128;

    /// <summary>Residual blocks: decoder.{2,3}.net.{0,2,4} = 3x3 conv, 3x3 conv, 1x1 conv.</summary>
    public static IReadOnlyList<string> ResidualBlocks { get; } = ["decoder.2.net", "decoder.3.net"];

    /// <summary>Transposed convs (kernel 4, stride 2, padding 1) with their input and output channels.</summary>
    public static IReadOnlyList<(string Name, int In, int Out)> Upsamplers { get; } =
        [("decoder.4", 128, 128), ("decoder.6", 128, 64), ("decoder.8", 64, 32), ("decoder.10", 32, 16)];

    private VaeDecoderWeights(int embeddingDim, IReadOnlyDictionary<string, NpyArray> arrays)
    {
        EmbeddingDim = embeddingDim;
        Arrays = arrays;
    }

    /// <summary>Codebook width D (the codebook is [128, D]).</summary>
    public int EmbeddingDim { get; }

    /// <summary>The decoder's arrays by npz key, shapes checked.</summary>
    public IReadOnlyDictionary<string, NpyArray> Arrays { get; }

    public NpyArray this[string key] => Arrays[key];

    /// <summary>Every array the decoder needs, with its PyTorch shape, for a codebook of width <paramref name="embeddingDim"/>.</summary>
    public static IReadOnlyList<(string Key, int[] Shape)> ExpectedShapes(int embeddingDim)
    {
        var shapes = new List<(string, int[])>
        {
            (CodebookKey, [CodebookSize, embeddingDim]),
            ("decoder.0.weight", [Width, embeddingDim, 1, 1]),
            ("decoder.0.bias", [Width]),
        };
        foreach (var block in ResidualBlocks)
        {
            foreach (var (conv, kernel) in new[] { (0, 3), (2, 3), (4, 1) })
            {
                shapes.Add(($"{block}.{conv}.weight", [Width, Width, kernel, kernel]));
                shapes.Add(($"{block}.{conv}.bias", [Width]));
            }
        }

        foreach (var (name, input, output) in Upsamplers)
        {
            shapes.Add(($"{name}.weight", [input, output, 4, 4])); // ConvTranspose2d: [in, out, kH, kW]
            shapes.Add(($"{name}.bias", [output]));
        }

        shapes.Add(("decoder.12.weight", [1, 16, 1, 1]));
        shapes.Add(("decoder.12.bias", [1]));
        return shapes;
    }

    /// <summary>Reads and checks the decoder weights in an npz file.</summary>
    /// <exception cref="InvalidDataException">A key is missing or has the wrong shape; the message names it.</exception>
    public static VaeDecoderWeights Load(string npzPath)
    {
        if (!File.Exists(npzPath))
            throw new FileNotFoundException($"VAE weights '{npzPath}' not found. big_vision publishes them as gs://big_vision/paligemma/vae-oid.npz.", npzPath);
        return FromArrays(NpzFile.Read(npzPath), npzPath);
    }

    public static VaeDecoderWeights FromArrays(IReadOnlyDictionary<string, NpyArray> arrays, string source)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        if (!arrays.TryGetValue(CodebookKey, out var codebook))
            throw new InvalidDataException($"'{source}' has no '{CodebookKey}' array: not a PaliGemma segmentation VAE (vae-oid.npz). Arrays found: {string.Join(", ", arrays.Keys.Take(12))}.");
        if (codebook.Shape.Length != 2 || codebook.Shape[0] != CodebookSize || codebook.Shape[1] < 1)
            throw new InvalidDataException($"'{CodebookKey}' in '{source}' has shape {codebook.ShapeText}; expected ({CodebookSize}, D).");

        var embeddingDim = codebook.Shape[1];
        var selected = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var (key, shape) in ExpectedShapes(embeddingDim))
        {
            if (!arrays.TryGetValue(key, out var array))
                throw new InvalidDataException($"'{source}' has no '{key}' array, which the VAE decoder needs.");
            if (!array.Shape.SequenceEqual(shape))
                throw new InvalidDataException($"'{key}' in '{source}' has shape {array.ShapeText}; expected ({string.Join(", ", shape)}).");
            selected[key] = array;
        }

        return new VaeDecoderWeights(embeddingDim, selected);
    }
}
