using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgePali.Quantize.Quantization;

/// <summary>
/// Mixed precision: which storage format (and MatMulNBits accuracy_level) each linear layer gets. A base format
/// (`--weights w8a8|int8|int4|fp32`, `quantize --mode w8a8|int8|int4`) sets every layer; rules (`--mix`) then override it for
/// a part, a kind of layer, or a range of layers. Rules are applied in order, so a later, narrower rule wins:
/// <c>decoder=int4,decoder.layers.17.mlp=int8,decoder.attention=int8@1</c>.
/// <para>Syntax of one rule: <c>SCOPE=FORMAT[@LEVEL]</c>. SCOPE is <c>vision</c> or <c>decoder</c>, optionally
/// followed by <c>.layers.N</c> or <c>.layers.A-B</c>, optionally by <c>.attention</c> or <c>.mlp</c>; or
/// <c>projector</c>, <c>lm_head</c>, <c>embed</c>. FORMAT is <c>int8</c>, <c>int4</c>, <c>w8a8</c> or <c>fp32</c>
/// (<c>embed</c>: int8 or fp32). LEVEL is MatMulNBits' accuracy_level 0-4 (4 = int8 compute, the default); w8a8 has
/// none (int8 weights per output channel, activations int8 per token, MatMulIntegerToFloat).</para>
/// </summary>
public sealed partial class WeightMix
{
    /// <summary>The default accuracy_level: int8 compute, the path with dot-product kernels (VNNI, KleidiAI).</summary>
    public const int DefaultAccuracyLevel = 4;

    private readonly List<WeightMixRule> _rules;

    private WeightMix(LinearFormat visionBase, LinearFormat decoderBase, LinearFormat embedBase, List<WeightMixRule> rules)
    {
        VisionBase = visionBase;
        DecoderBase = decoderBase;
        EmbedBase = embedBase;
        _rules = rules;
    }

    /// <summary>The format the vision tower and projector get before any rule.</summary>
    public LinearFormat VisionBase { get; }

    /// <summary>The format the decoder and LM head get before any rule.</summary>
    public LinearFormat DecoderBase { get; }

    /// <summary>The embedding table's format before any rule (int8 or fp32).</summary>
    public LinearFormat EmbedBase { get; }

    /// <summary>The rules, in the order given.</summary>
    public IReadOnlyList<WeightMixRule> Rules => _rules;

    /// <summary>True when no rule overrides the base formats.</summary>
    public bool IsUniform => _rules.Count == 0;

    /// <summary>
    /// A base (vision, decoder, embed formats) plus rules parsed from <paramref name="spec"/> (comma-separated,
    /// null or empty for none). Layer ranges are checked against the model's layer counts.
    /// </summary>
    /// <exception cref="QuantizeException">A rule that cannot be parsed or names layers the model does not have.</exception>
    public static WeightMix Create(LinearFormat visionBase, LinearFormat decoderBase, LinearFormat embedBase, string? spec, int visionLayers, int decoderLayers)
    {
        var parsed = new List<WeightMixRule>();
        if (!string.IsNullOrWhiteSpace(spec))
        {
            foreach (var text in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                parsed.Add(ParseRule(text, visionLayers, decoderLayers));
        }

        return new WeightMix(visionBase, decoderBase, embedBase, parsed);
    }

    /// <summary>The format of one linear layer: the base of its part, then every matching rule in order.</summary>
    public LinearFormat Resolve(LinearScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var format = scope.Part switch
        {
            LinearPart.Vision or LinearPart.Projector => VisionBase,
            LinearPart.Embed => EmbedBase,
            _ => DecoderBase,
        };
        foreach (var rule in _rules)
        {
            if (rule.Matches(scope))
                format = rule.Format;
        }

        return format;
    }

    /// <summary>The rules as given, normalised (for manifests): "decoder.mlp=int4@4,lm_head=int8@4".</summary>
    public override string ToString() => string.Join(",", _rules.Select(r => r.ToString()));

    private static WeightMixRule ParseRule(string text, int visionLayers, int decoderLayers)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == text.Length - 1)
            throw new QuantizeException($"--mix rule '{text}' is not SCOPE=FORMAT[@LEVEL], e.g. decoder.mlp=int4 or vision=int8@1.");
        var scopeText = text[..equals].Trim().ToLowerInvariant();
        var formatText = text[(equals + 1)..].Trim().ToLowerInvariant();

        var match = ScopePattern().Match(scopeText);
        if (!match.Success)
        {
            throw new QuantizeException(
                $"--mix rule '{text}': scope '{scopeText}' is not one of vision, decoder (each optionally .layers.N or .layers.A-B, then optionally .attention or .mlp), projector, lm_head, embed.");
        }

        LinearPart? part;
        var partText = match.Groups["part"].Value;
        var single = match.Groups["single"].Value;
        part = single switch
        {
            "projector" => LinearPart.Projector,
            "lm_head" => LinearPart.LmHead,
            "embed" => LinearPart.Embed,
            _ => partText == "vision" ? LinearPart.Vision : LinearPart.Decoder,
        };
        (int First, int Last)? layers = null;
        if (match.Groups["first"].Success)
        {
            var first = int.Parse(match.Groups["first"].Value, CultureInfo.InvariantCulture);
            var last = match.Groups["last"].Success ? int.Parse(match.Groups["last"].Value, CultureInfo.InvariantCulture) : first;
            var count = part == LinearPart.Vision ? visionLayers : decoderLayers;
            if (last < first)
                throw new QuantizeException($"--mix rule '{text}': layer range {first}-{last} runs backwards; write it as {last}-{first}.");
            if (last >= count)
                throw new QuantizeException($"--mix rule '{text}': the {partText} has {count} layers (0-{count - 1}); layer {last} does not exist.");
            layers = (first, last);
        }

        LinearKind? kind = match.Groups["kind"].Value switch
        {
            "attention" => LinearKind.Attention,
            "mlp" => LinearKind.Mlp,
            _ => null,
        };

        var at = formatText.IndexOf('@', StringComparison.Ordinal);
        var formatName = at < 0 ? formatText : formatText[..at];
        if (formatName == "w8a8")
        {
            if (at >= 0)
                throw new QuantizeException($"--mix rule '{text}': w8a8 layers run MatMulInteger, which has no accuracy_level; drop '@{formatText[(at + 1)..]}'.");
            if (part == LinearPart.Embed)
                throw new QuantizeException($"--mix rule '{text}': the embedding table is a lookup, not a matmul; use embed=int8 or embed=fp32.");
            return new WeightMixRule(part.Value, layers, kind, LinearFormat.W8A8);
        }

        int? bits = formatName switch
        {
            "int8" => 8,
            "int4" => 4,
            "fp32" => null,
            _ => throw new QuantizeException($"--mix rule '{text}': format '{formatName}' is not one of int8, int4, w8a8, fp32."),
        };
        var level = DefaultAccuracyLevel;
        if (at >= 0)
        {
            if (bits is null)
                throw new QuantizeException($"--mix rule '{text}': fp32 layers have no accuracy_level; drop '@{formatText[(at + 1)..]}'.");
            if (!int.TryParse(formatText[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out level) || level is < 0 or > 4)
                throw new QuantizeException($"--mix rule '{text}': accuracy_level '{formatText[(at + 1)..]}' is not 0-4 (0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 compute).");
        }

        if (part == LinearPart.Embed && bits == 4)
            throw new QuantizeException($"--mix rule '{text}': the embedding table is stored int8 or fp32 (a 4-bit lookup table saves little and has no ONNX Runtime kernel); use embed=int8 or embed=fp32.");
        if (part == LinearPart.Embed && at >= 0)
            throw new QuantizeException($"--mix rule '{text}': the embedding table is a lookup, not a MatMulNBits; it has no accuracy_level.");

        return new WeightMixRule(part.Value, layers, kind, new LinearFormat(bits, level));
    }

    [GeneratedRegex(@"^(?:(?<part>vision|decoder)(?:\.layers\.(?<first>\d{1,4})(?:-(?<last>\d{1,4}))?)?(?:\.(?<kind>attention|mlp))?|(?<single>projector|lm_head|embed))$", RegexOptions.CultureInvariant)]
    private static partial Regex ScopePattern();
}
