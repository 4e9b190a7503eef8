using System.Globalization;

namespace EdgePali.Vision.Packages;

/// <summary>
/// The input and output names of a package's three graphs (the transformers.js PaliGemma export names). The
/// builder writes them, the engine feeds and reads them and the signature check expects them, so they are
/// spelled once here.
/// </summary>
public static class GraphTensorNames
{
    /// <summary>Vision encoder input: float [batch, 3, size, size], normalised RGB.</summary>
    public const string PixelValues = "pixel_values";

    /// <summary>Vision encoder output: float [batch, image tokens, hidden], already divided by sqrt(hidden).</summary>
    public const string ImageFeatures = "image_features";

    /// <summary>Token-embedding input: int64 [batch, sequence].</summary>
    public const string InputIds = "input_ids";

    /// <summary>Token-embedding output and decoder input: float [batch, sequence, hidden], unscaled rows.</summary>
    public const string InputsEmbeds = "inputs_embeds";

    /// <summary>Decoder input: int64 [batch, sequence], 1-based as in transformers and transformers.js.</summary>
    public const string PositionIds = "position_ids";

    /// <summary>Decoder output: float [batch, 1 or sequence, vocabulary].</summary>
    public const string Logits = "logits";

    /// <summary>Prefix of the decoder's key/value cache inputs.</summary>
    public const string PastKeyValuesPrefix = "past_key_values.";

    /// <summary>Decoder input: cached keys of <paramref name="layer"/>, [batch, kv heads, past, head_dim].</summary>
    public static string PastKey(int layer) => string.Create(CultureInfo.InvariantCulture, $"{PastKeyValuesPrefix}{layer}.key");

    /// <summary>Decoder input: cached values of <paramref name="layer"/>, [batch, kv heads, past, head_dim].</summary>
    public static string PastValue(int layer) => string.Create(CultureInfo.InvariantCulture, $"{PastKeyValuesPrefix}{layer}.value");

    /// <summary>Decoder output: keys of <paramref name="layer"/> with this step's appended, the next step's <see cref="PastKey"/>.</summary>
    public static string PresentKey(int layer) => string.Create(CultureInfo.InvariantCulture, $"present.{layer}.key");

    /// <summary>Decoder output: values of <paramref name="layer"/> with this step's appended, the next step's <see cref="PastValue"/>.</summary>
    public static string PresentValue(int layer) => string.Create(CultureInfo.InvariantCulture, $"present.{layer}.value");
}
