namespace EdgePali.Vision.Packages;

/// <summary>
/// One set of ONNX files in a package, told apart by the file-name suffix transformers.js uses:
/// fp32 is <c>vision_encoder.onnx</c>, int8 is <c>vision_encoder_int8.onnx</c>, q4 is <c>_q4</c>, and so on.
/// </summary>
/// <param name="Name">The name users pass ("fp32", "int8", "q4", "quantized", "fp16", ...).</param>
/// <param name="Suffix">What follows the part name in the file name ("" for fp32, "_int8", ...).</param>
public readonly record struct ModelVariant(string Name, string Suffix)
{
    /// <summary>float32 graphs: no suffix.</summary>
    public static readonly ModelVariant Fp32 = new("fp32", "");

    /// <summary>8-bit weights (the builder's and quantiser's int8): "_int8".</summary>
    // Int8 names the variant users choose (--weights int8); CA1720 reads it as a type name.
#pragma warning disable CA1720
    public static readonly ModelVariant Int8 = new("int8", "_int8");
#pragma warning restore CA1720

    /// <summary>4-bit weights (the builder's int4): "_q4", the name transformers.js gives its 4-bit dtype.</summary>
    public static readonly ModelVariant Q4 = new("q4", "_q4");

    /// <summary>Preference when the caller names no variant: smallest fast CPU format first, fp32 last of the usual ones.</summary>
    internal static readonly string[] AutoPreference = ["int8", "q4", "quantized", "uint8", "fp32", "q4f16", "fp16", "bnb4"];

    /// <summary>Parses a user-given name; "int4" is an alias of "q4" (the builder's int4 writes _q4), "" and "fp32" mean no suffix.</summary>
    public static ModelVariant Parse(string name)
    {
        var n = name.Trim().ToLowerInvariant();
        return n switch
        {
            "" or "fp32" or "float32" => Fp32,
            "int4" or "q4" => Q4,
            _ when n.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') => new ModelVariant(n, "_" + n),
            _ => throw new ModelPackageException($"'{name}' is not a model variant name; use e.g. fp32, int8, q4, quantized or fp16."),
        };
    }

    /// <summary>The variant whose suffix this is ("" -> fp32, "_int8" -> int8).</summary>
    public static ModelVariant FromSuffix(string suffix) => suffix.Length == 0 ? Fp32 : Parse(suffix.TrimStart('_'));

    /// <summary>The variant's name, as users write it.</summary>
    public override string ToString() => Name;
}
