using System.Text.Json;

namespace EdgePali.Vision.Tokenization;

/// <summary>
/// The parts of a Hugging Face tokenizer.json that a Gemma tokenizer uses, read with a forward-only reader
/// (the file is 17 MB with 580k merges: no DOM, no string per merge). Anything outside the Gemma layout
/// (BPE with byte fallback, no pre-tokenizer, literal character replacements as normalizer, decoder
/// Replace + ByteFallback + Fuse) is rejected with a message, because silently tokenizing differently from
/// the reference would corrupt every prompt.
/// </summary>
internal sealed class TokenizerJsonDefinition
{
    private readonly byte[] _json;
    private readonly int _mergesOffset;

    private TokenizerJsonDefinition(byte[] json, int mergesOffset, ModelSection model, List<AddedTokenEntry> addedTokens,
        IReadOnlyList<(char From, char To)> normalizer, (string From, string To) decoderReplace)
    {
        _json = json;
        _mergesOffset = mergesOffset;
        Vocabulary = model.Vocabulary;
        UnknownToken = model.UnknownToken;
        ByteFallback = model.ByteFallback;
        FuseUnknown = model.FuseUnknown;
        IgnoreMerges = model.IgnoreMerges;
        AddedTokens = addedTokens;
        NormalizerReplacements = normalizer;
        DecoderReplace = decoderReplace;
    }

    /// <summary>model.vocab: piece -> id.</summary>
    public Dictionary<string, int> Vocabulary { get; }

    public List<AddedTokenEntry> AddedTokens { get; }

    public string? UnknownToken { get; }

    public bool ByteFallback { get; }

    public bool FuseUnknown { get; }

    public bool IgnoreMerges { get; }

    /// <summary>The normalizer as literal one-character replacements applied in order (Gemma: ' ' -> '▁').</summary>
    public IReadOnlyList<(char From, char To)> NormalizerReplacements { get; }

    /// <summary>The decoder's Replace step (Gemma: '▁' -> ' '), applied to every piece before byte fallback.</summary>
    public (string From, string To) DecoderReplace { get; }

    public static TokenizerJsonDefinition Read(byte[] json, string fileName)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        ModelSection? model = null;
        List<AddedTokenEntry>? addedTokens = null;
        IReadOnlyList<(char, char)> normalizer = [];
        (string, string)? decoderReplace = null;

        Expect(ref reader, JsonTokenType.StartObject, fileName, "the top level");
        while (Next(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            Next(ref reader);
            switch (name)
            {
                case "model":
                    model = ReadModel(ref reader, fileName);
                    break;
                case "added_tokens":
                    addedTokens = ReadAddedTokens(ref reader, fileName);
                    break;
                case "normalizer":
                    using (var document = JsonDocument.ParseValue(ref reader))
                        normalizer = ReadNormalizer(document.RootElement, fileName);
                    break;
                case "pre_tokenizer":
                    if (reader.TokenType != JsonTokenType.Null)
                        throw Unsupported(fileName, "it has a pre_tokenizer; the Gemma tokenizer has none (pre_tokenizer: null)");
                    break;
                case "decoder":
                    using (var document = JsonDocument.ParseValue(ref reader))
                        decoderReplace = ReadDecoder(document.RootElement, fileName);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (model is null)
            throw Unsupported(fileName, "it has no \"model\" section");
        if (decoderReplace is null)
            throw Unsupported(fileName, "it has no \"decoder\" section");
        return new TokenizerJsonDefinition(json, model.MergesOffset, model, addedTokens ?? [], normalizer, decoderReplace.Value);
    }

    /// <summary>Reads model.merges (old "a b" strings or new ["a", "b"] pairs) into one flat buffer, in rank order.</summary>
    public MergeRuleList ReadMerges()
    {
        var rules = new MergeRuleList();
        if (_mergesOffset < 0)
            return rules;
        var reader = new Utf8JsonReader(_json.AsSpan(_mergesOffset));
        reader.Read();
        var buffer = new char[256];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                var text = Unescape(ref reader, ref buffer);
                // transformers.js splits with split(" ", 2): the first two space-separated parts; a rule
                // without a space never matches a pair but still takes its rank.
                var space = text.IndexOf(' ');
                if (space < 0)
                {
                    rules.AddUnusable();
                    continue;
                }

                var right = text[(space + 1)..];
                var secondSpace = right.IndexOf(' ');
                rules.Add(text[..space], secondSpace >= 0 ? right[..secondSpace] : right);
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                reader.Read();
                var left = Unescape(ref reader, ref buffer).ToString();
                reader.Read();
                rules.Add(left, Unescape(ref reader, ref buffer));
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                }
            }
            else
            {
                rules.AddUnusable();
            }
        }

        return rules;
    }

    /// <summary>The string value under the reader, unescaped into a reused buffer (valid until the next call).</summary>
    private static ReadOnlySpan<char> Unescape(ref Utf8JsonReader reader, ref char[] buffer)
    {
        // UTF-8 never needs more UTF-16 units than bytes.
        var maxChars = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (maxChars > buffer.Length)
            buffer = new char[maxChars];
        var written = reader.CopyString(buffer);
        return buffer.AsSpan(0, written);
    }

    private sealed class ModelSection
    {
        public Dictionary<string, int> Vocabulary { get; set; } = new(StringComparer.Ordinal);

        public int MergesOffset { get; set; } = -1;

        public string? UnknownToken { get; set; }

        public bool ByteFallback { get; set; }

        public bool FuseUnknown { get; set; }

        public bool IgnoreMerges { get; set; }
    }

    private static ModelSection ReadModel(ref Utf8JsonReader reader, string fileName)
    {
        Expect(ref reader, JsonTokenType.StartObject, fileName, "\"model\"");
        var model = new ModelSection();
        string? type = null;
        while (Next(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            Next(ref reader);
            switch (name)
            {
                case "type":
                    type = reader.GetString();
                    break;
                case "vocab":
                    Expect(ref reader, JsonTokenType.StartObject, fileName, "model.vocab");
                    model.Vocabulary = new Dictionary<string, int>(262_144, StringComparer.Ordinal);
                    while (Next(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var piece = reader.GetString()!;
                        Next(ref reader);
                        model.Vocabulary[piece] = reader.GetInt32();
                    }
                    break;
                case "merges":
                    Expect(ref reader, JsonTokenType.StartArray, fileName, "model.merges");
                    model.MergesOffset = checked((int)reader.TokenStartIndex);
                    reader.Skip();
                    break;
                case "unk_token":
                    model.UnknownToken = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                    break;
                case "byte_fallback":
                    model.ByteFallback = reader.TokenType == JsonTokenType.True;
                    break;
                case "fuse_unk":
                    model.FuseUnknown = reader.TokenType == JsonTokenType.True;
                    break;
                case "ignore_merges":
                    model.IgnoreMerges = reader.TokenType == JsonTokenType.True;
                    break;
                case "dropout":
                    if (reader.TokenType != JsonTokenType.Null)
                        throw Unsupported(fileName, "model.dropout is set; BPE dropout is a training feature and is not supported");
                    break;
                case "continuing_subword_prefix" or "end_of_word_suffix":
                    if (reader.TokenType != JsonTokenType.Null)
                        throw Unsupported(fileName, $"model.{name} is set; the Gemma tokenizer uses neither");
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (type != "BPE")
            throw Unsupported(fileName, $"model.type is \"{type}\"; a Gemma tokenizer is \"BPE\"");
        if (model.Vocabulary.Count == 0)
            throw Unsupported(fileName, "model.vocab is missing or empty");
        return model;
    }

    private static List<AddedTokenEntry> ReadAddedTokens(ref Utf8JsonReader reader, string fileName)
    {
        Expect(ref reader, JsonTokenType.StartArray, fileName, "\"added_tokens\"");
        var tokens = new List<AddedTokenEntry>();
        while (Next(ref reader) && reader.TokenType == JsonTokenType.StartObject)
        {
            int? id = null;
            string? content = null;
            bool special = false, lstrip = false, rstrip = false;
            bool? normalized = null;
            while (Next(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                Next(ref reader);
                switch (name)
                {
                    case "id": id = reader.GetInt32(); break;
                    case "content": content = reader.GetString(); break;
                    case "special": special = reader.TokenType == JsonTokenType.True; break;
                    case "normalized": normalized = reader.TokenType == JsonTokenType.True; break;
                    case "lstrip": lstrip = reader.TokenType == JsonTokenType.True; break;
                    case "rstrip": rstrip = reader.TokenType == JsonTokenType.True; break;
                    default: reader.Skip(); break;
                }
            }

            if (id is null || string.IsNullOrEmpty(content))
                throw Unsupported(fileName, $"added token #{tokens.Count} has no id or no content");
            // Same default as transformers.js's AddedToken: normalized unless special.
            tokens.Add(new AddedTokenEntry(id.Value, content, special, normalized ?? !special, lstrip, rstrip));
        }

        return tokens;
    }

    private static List<(char, char)> ReadNormalizer(JsonElement normalizer, string fileName)
    {
        var replacements = new List<(char, char)>();
        if (normalizer.ValueKind == JsonValueKind.Null)
            return replacements;
        var steps = TypeOf(normalizer) == "Sequence" ? normalizer.GetProperty("normalizers").EnumerateArray().ToList() : [normalizer];
        foreach (var step in steps)
        {
            if (TypeOf(step) != "Replace" || !TryLiteralPattern(step, out var from) || from.Length != 1 ||
                !step.TryGetProperty("content", out var content) || content.GetString() is not { Length: 1 } to)
            {
                throw Unsupported(fileName, $"its normalizer {step.GetRawText()} is not a literal one-character Replace " +
                                            "(Gemma's is Replace \" \" -> \"▁\")");
            }

            replacements.Add((from[0], to[0]));
        }

        return replacements;
    }

    private static (string, string) ReadDecoder(JsonElement decoder, string fileName)
    {
        // Gemma: Sequence [Replace "▁" -> " ", ByteFallback, Fuse]. Only that order is implemented.
        if (TypeOf(decoder) == "Sequence" && decoder.TryGetProperty("decoders", out var steps) && steps.GetArrayLength() == 3)
        {
            var replace = steps[0];
            if (TypeOf(replace) == "Replace" && TryLiteralPattern(replace, out var from) &&
                replace.TryGetProperty("content", out var content) && content.GetString() is { } to &&
                TypeOf(steps[1]) == "ByteFallback" && TypeOf(steps[2]) == "Fuse")
            {
                return (from, to);
            }
        }

        throw Unsupported(fileName, $"its decoder {decoder.GetRawText()} is not Gemma's Sequence [Replace, ByteFallback, Fuse]");
    }

    private static string? TypeOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var type) ? type.GetString() : null;

    private static bool TryLiteralPattern(JsonElement step, out string literal)
    {
        literal = "";
        if (!step.TryGetProperty("pattern", out var pattern) || !pattern.TryGetProperty("String", out var text) ||
            text.GetString() is not { Length: > 0 } value)
        {
            return false;
        }

        literal = value;
        return true;
    }

    private static bool Next(ref Utf8JsonReader reader) => reader.Read();

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType expected, string fileName, string where)
    {
        if (reader.TokenType == JsonTokenType.None)
            reader.Read();
        if (reader.TokenType != expected)
            throw Unsupported(fileName, $"{where} should be {expected} but is {reader.TokenType}");
    }

    private static TokenizerLoadException Unsupported(string fileName, string problem) =>
        new($"{fileName} is not a Gemma tokenizer this engine can run: {problem}. " +
            "Use the tokenizer.json exported with the PaliGemma/Gemma checkpoint.");
}
