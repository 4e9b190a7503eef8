using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Builders;

/// <summary>How a package stores its linear-layer weights.</summary>
// Int8/Int4 name the storage formats users choose (--weights int8); CA1720 reads them as type names.
#pragma warning disable CA1720
public enum WeightFormat
{
    /// <summary>float32 everywhere: the reference the quantised packages are checked against.</summary>
    Fp32,

    /// <summary>Block-wise weight-only int8 (MatMulNBits bits=8, accuracy_level 4: int8 compute).</summary>
    Int8,

    /// <summary>Block-wise int4 for the decoder (MatMulNBits bits=4); the vision tower stays int8.</summary>
    Int4,

    /// <summary>
    /// Integer GEMM everywhere: int8 weights per output channel (smoothed per input channel), activations int8 per
    /// token at run time, MatMulIntegerToFloat. About 3x faster prefill and vision than <see cref="Int8"/> on CPUs with
    /// int8 dot products; same files and variant name (_int8).
    /// </summary>
    W8A8,
}
#pragma warning restore CA1720

public static class WeightFormats
{
    /// <summary>
    /// The package variant (file-name suffix, as transformers.js names them) the format is written as: fp32 "", int8
    /// and w8a8 "_int8" (8-bit weights; the manifest says which kind), int4 "_q4".
    /// </summary>
    public static ModelVariant Variant(this WeightFormat format) => format switch
    {
        WeightFormat.Int8 or WeightFormat.W8A8 => ModelVariant.Int8,
        WeightFormat.Int4 => ModelVariant.Q4,
        _ => ModelVariant.Fp32,
    };

    public static string CliName(this WeightFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>
    /// Each part's format under <paramref name="format"/> (int8: everything 8-bit; int4: decoder and LM head 4-bit,
    /// vision tower and projector 8-bit; w8a8: every linear layer w8a8; fp32: all float; the embedding table int8
    /// unless fp32), then the `--mix`
    /// rules in <paramref name="mixSpec"/>.
    /// </summary>
    public static Quantization.WeightMix Mix(this WeightFormat format, string? mixSpec, int visionLayers, int decoderLayers)
    {
        var (vision, decoder, embed) = format switch
        {
            WeightFormat.Int8 => (Quantization.LinearFormat.Int8, Quantization.LinearFormat.Int8, Quantization.LinearFormat.Int8),
            WeightFormat.Int4 => (Quantization.LinearFormat.Int8, Quantization.LinearFormat.Int4, Quantization.LinearFormat.Int8),
            WeightFormat.W8A8 => (Quantization.LinearFormat.W8A8, Quantization.LinearFormat.W8A8, Quantization.LinearFormat.Int8),
            _ => (Quantization.LinearFormat.Fp32, Quantization.LinearFormat.Fp32, Quantization.LinearFormat.Fp32),
        };
        return Quantization.WeightMix.Create(vision, decoder, embed, mixSpec, visionLayers, decoderLayers);
    }
}
