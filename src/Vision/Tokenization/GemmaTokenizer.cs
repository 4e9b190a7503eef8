using System.Text.Json;
using EdgePali.Vision.Packages;

namespace EdgePali.Vision.Tokenization;

/// <summary>
/// The Gemma tokenizer of a PaliGemma model package (tokenizer.json + tokenizer_config.json), giving exactly
/// the ids and text of transformers.js (the reference the project's conformance tests run in Node).
/// <para>
/// Encoding: the text is cut at added tokens (longest match, case-sensitive, before normalization), the rest
/// is normalized (" " -> "▁") and run through BPE with byte fallback. There is no pre-tokenizer: a run of
/// text between added tokens is one BPE word. <see cref="Encode(string)"/> adds no &lt;bos&gt;; the prompt
/// builder writes "&lt;bos&gt;" as text, like the Hugging Face processor's "&lt;image&gt;"*N + "&lt;bos&gt;" + prefix + "\n".
/// </para>
/// <para>
/// PaliGemma's &lt;loc0000&gt;..&lt;loc1023&gt; (256000..), &lt;seg000&gt;..&lt;seg127&gt; (257024..) and &lt;image&gt;
/// (257152, special) are always atomic: when the tokenizer.json is the plain Gemma one they are added the
/// way Hugging Face's PaliGemmaProcessor adds them.
/// </para>
/// <para>
/// Why not Microsoft.ML.Tokenizers (2.0.1): its <c>BpeTokenizer</c> has no byte fallback (Gemma needs
/// &lt;0xNN&gt; pieces for every character outside the vocabulary, e.g. most emoji), and its
/// <c>SentencePieceTokenizer</c>/<c>LlamaTokenizer</c> need the SentencePiece <c>tokenizer.model</c>
/// protobuf, which transformers.js-layout packages do not ship (only tokenizer.json). Decoding must also
/// reproduce transformers.js details no library option gives (unknown ids -> "&lt;unk&gt;", special tokens
/// filtered by text, TextDecoder dropping a leading byte-order mark in byte runs). So the BPE is written
/// here, small and checked piece for piece against transformers.js.
/// </para>
/// Thread-safe: all state is immutable after loading except a bounded word cache.
/// </summary>
public sealed class GemmaTokenizer : ITokenDecoder
{
    /// <summary>The image placeholder as text; the engine inserts its id directly instead.</summary>
    public const string ImageToken = "<image>";

    private readonly Dictionary<string, AddedTokenEntry>.AlternateLookup<ReadOnlySpan<char>> _addedByText;
    private readonly bool _hasStrippingTokens;
    private readonly AddedTokenSplitter _rawSplitter;
    private readonly AddedTokenSplitter _normalizedSplitter;
    private readonly (char From, char To)[] _normalizer;
    private readonly BytePairModel _model;
    private readonly PieceDecoder _decoder;
    private readonly Dictionary<string, int> _idOfToken;
    private readonly string?[] _pieceOfId;
    private readonly bool[] _isSpecialId;

    [ThreadStatic]
    private static EncodeScratch? _threadScratch;

    private GemmaTokenizer(TokenizerJsonDefinition definition, TokenizerConfig config, string fileName)
    {
        // Id -> text; one text per id, which also lets the BPE use ids as the symbols it merges.
        var size = PaliGemmaTokens.Image + 1;
        foreach (var id in definition.Vocabulary.Values)
            size = Math.Max(size, id + 1);
        foreach (var token in definition.AddedTokens)
            size = Math.Max(size, token.Id + 1);
        _pieceOfId = new string?[size];
        foreach (var (piece, id) in definition.Vocabulary)
            SetPiece(id, piece, fileName);
        foreach (var token in definition.AddedTokens)
            SetPiece(token.Id, token.Content, fileName);
        var addedTokens = WithPaliGemmaTokens(definition, _pieceOfId, fileName);

        // transformers.js's tokens_to_ids: the vocabulary with every added token's content set to its id.
        _idOfToken = definition.Vocabulary;
        var specialPieces = new HashSet<string>(config.AdditionalSpecialTokens, StringComparer.Ordinal);
        foreach (var token in addedTokens)
        {
            _idOfToken[token.Content] = token.Id;
            if (token.Special)
                specialPieces.Add(token.Content);
        }

        _isSpecialId = new bool[size];
        for (var id = 0; id < size; id++)
            _isSpecialId[id] = _pieceOfId[id] is { } piece && specialPieces.Contains(piece);

        // Added tokens are matched on the raw text unless "normalized", then on the normalized text too.
        _normalizer = [.. definition.NormalizerReplacements];
        var addedByText = new Dictionary<string, AddedTokenEntry>(StringComparer.Ordinal);
        var raw = new List<string>();
        var normalized = new List<string>();
        foreach (var token in addedTokens)
        {
            addedByText[token.Content] = token;
            if (token.Normalized && _normalizer.Length > 0)
            {
                var form = Normalize(token.Content);
                addedByText[form] = token;
                normalized.Add(form);
            }
            else
            {
                raw.Add(token.Content);
            }

            _hasStrippingTokens |= token.LStrip || token.RStrip;
        }

        _addedByText = addedByText.GetAlternateLookup<ReadOnlySpan<char>>();
        _rawSplitter = new AddedTokenSplitter(raw);
        _normalizedSplitter = new AddedTokenSplitter(normalized);

        if (definition.UnknownToken is not { } unknown || !_idOfToken.ContainsKey(unknown))
        {
            throw new TokenizerLoadException($"{fileName}: model.unk_token \"{definition.UnknownToken}\" is not in the vocabulary; " +
                                             "a Gemma tokenizer has \"<unk>\" (id 3).");
        }

        _model = new BytePairModel(definition, _idOfToken, FinalIdOf, FinalIdOf(unknown));
        _decoder = new PieceDecoder(_pieceOfId, unknown, specialPieces, definition.DecoderReplace, config.CleanUpTokenizationSpaces);
    }

    /// <summary>Highest id + 1 (257153 for PaliGemma: 256000 Gemma pieces, 1024 loc, 128 seg, &lt;image&gt;).</summary>
    public int VocabularySize => _pieceOfId.Length;

    /// <summary>Number of BPE merge rules loaded.</summary>
    public int MergeCount => _model.MergeCount;

    /// <summary>Loads tokenizer.json (and tokenizer_config.json if present) from a model package folder.</summary>
    /// <exception cref="TokenizerLoadException">The folder or file is missing, not JSON, or not a Gemma tokenizer.</exception>
    public static GemmaTokenizer FromDirectory(string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        if (!Directory.Exists(modelDirectory))
        {
            throw new TokenizerLoadException($"Model folder \"{modelDirectory}\" does not exist. Pass the folder of a model package " +
                                             $"(the one holding {PackageFiles.Tokenizer} and onnx/).");
        }

        var tokenizerPath = Path.Combine(modelDirectory, PackageFiles.Tokenizer);
        var configPath = Path.Combine(modelDirectory, PackageFiles.TokenizerConfig);
        return FromFile(tokenizerPath, File.Exists(configPath) ? configPath : null);
    }

    /// <summary>Loads a tokenizer.json, with the tokenizer_config.json that decides the decoding options.</summary>
    /// <exception cref="TokenizerLoadException">A file is missing, not JSON, or not a Gemma tokenizer.</exception>
    public static GemmaTokenizer FromFile(string tokenizerJsonPath, string? tokenizerConfigPath = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJsonPath);
        var json = ReadFile(tokenizerJsonPath, "the model package's tokenizer (copy it from the checkpoint or export)");
        try
        {
            var config = tokenizerConfigPath is null
                ? TokenizerConfig.Default
                : TokenizerConfig.Read(ReadFile(tokenizerConfigPath, "the tokenizer options next to tokenizer.json"), tokenizerConfigPath);
            return new GemmaTokenizer(TokenizerJsonDefinition.Read(json, tokenizerJsonPath), config, tokenizerJsonPath);
        }
        catch (JsonException e)
        {
            throw new TokenizerLoadException($"{tokenizerJsonPath} (or its {PackageFiles.TokenizerConfig}) is not valid JSON " +
                                             $"(line {e.LineNumber + 1}, byte {e.BytePositionInLine}): {e.Message} " +
                                             "The file is damaged or truncated; copy it again from the model.", e);
        }
        catch (InvalidOperationException e)
        {
            throw new TokenizerLoadException($"{tokenizerJsonPath} has a value of the wrong type: {e.Message} " +
                                             "The file is damaged or not a Hugging Face tokenizer.json.", e);
        }
    }

    /// <summary>Encodes text to ids, adding no &lt;bos&gt; or &lt;eos&gt; of its own.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 2 + 4);
        Encode(text, ids);
        return [.. ids];
    }

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="ids"/> (no allocation once warm).</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var scratch = _threadScratch ??= new EncodeScratch();
        var sections = scratch.Sections;
        sections.Clear();
        _rawSplitter.Split(text, 0, sections);
        if (_hasStrippingTokens)
            StripAroundTokens(text, sections);

        foreach (var (start, length) in sections)
        {
            var section = text.Slice(start, length);
            if (section.IsEmpty)
                continue;
            if (_addedByText.TryGetValue(section, out var token))
            {
                ids.Add(token.Id);
                continue;
            }

            var normalized = scratch.Normalized(section.Length);
            section.CopyTo(normalized);
            foreach (var (from, to) in _normalizer)
                normalized.Replace(from, to);
            EncodeNormalized(normalized, scratch, ids);
        }
    }

    /// <summary>Decodes ids to text with special tokens written out (&lt;loc0123&gt;, &lt;eos&gt;, ...), like
    /// transformers.js's <c>decode(ids)</c>. Ids outside the vocabulary decode as "&lt;unk&gt;".</summary>
    public string Decode(ReadOnlySpan<int> ids) => _decoder.Decode(ids, skipSpecialTokens: false);

    /// <summary>Decodes ids; with <paramref name="skipSpecialTokens"/> drops special tokens (&lt;bos&gt;, &lt;eos&gt;,
    /// &lt;pad&gt;, &lt;unk&gt;, &lt;image&gt;, ...) like <c>decode(ids, { skip_special_tokens: true })</c>. Location and
    /// segmentation tokens are not special and stay.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens) => _decoder.Decode(ids, skipSpecialTokens);

    /// <summary>The piece or added token with this id, or null if the id has none.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_pieceOfId.Length ? _pieceOfId[id] : null;

    /// <summary>The id of a piece or added token, looked up as a whole (not encoded).</summary>
    public bool TryGetTokenId(string token, out int id) => _idOfToken.TryGetValue(token, out id);

    /// <summary>Whether decoding with skipSpecialTokens drops this id.</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)_isSpecialId.Length && _isSpecialId[id];

    private void EncodeNormalized(Span<char> normalized, EncodeScratch scratch, List<int> ids)
    {
        if (_normalizedSplitter.IsEmpty)
        {
            EncodeWord(normalized, ids);
            return;
        }

        var subsections = scratch.Subsections;
        subsections.Clear();
        _normalizedSplitter.Split(normalized, 0, subsections);
        if (_hasStrippingTokens)
            StripAroundTokens(normalized, subsections);
        foreach (var (start, length) in subsections)
            EncodeWord(normalized.Slice(start, length), ids);
    }

    private void EncodeWord(ReadOnlySpan<char> word, List<int> ids)
    {
        if (word.IsEmpty)
            return;
        // A run that is exactly an added token's text (e.g. "  " normalized to "▁▁", id 139) is that token.
        if (_addedByText.TryGetValue(word, out var token))
            ids.Add(token.Id);
        else
            _model.Encode(word, ids);
    }

    /// <summary>lstrip/rstrip tokens eat the whitespace (JavaScript's trim) of their neighbours, in order.</summary>
    private void StripAroundTokens(ReadOnlySpan<char> text, List<(int Start, int Length)> sections)
    {
        for (var i = 0; i < sections.Count; i++)
        {
            var (start, length) = sections[i];
            if (!_addedByText.TryGetValue(text.Slice(start, length), out var token))
                continue;
            if (token.LStrip && i > 0)
            {
                var (s, l) = sections[i - 1];
                while (l > 0 && PieceDecoder.IsJsWhiteSpace(text[s + l - 1]))
                    l--;
                sections[i - 1] = (s, l);
            }

            if (token.RStrip && i < sections.Count - 1)
            {
                var (s, l) = sections[i + 1];
                while (l > 0 && PieceDecoder.IsJsWhiteSpace(text[s]))
                {
                    s++;
                    l--;
                }

                sections[i + 1] = (s, l);
            }
        }
    }

    private int FinalIdOf(string piece) =>
        _addedByText.Dictionary.TryGetValue(piece, out var token) ? token.Id : _idOfToken[piece];

    private string Normalize(string text)
    {
        var chars = text.ToCharArray();
        foreach (var (from, to) in _normalizer)
            chars.AsSpan().Replace(from, to);
        return new string(chars);
    }

    private void SetPiece(int id, string piece, string fileName)
    {
        if (id < 0)
            throw new TokenizerLoadException($"{fileName} gives \"{piece}\" the negative id {id}; the file is damaged.");
        if (_pieceOfId[id] is { } other && other != piece)
        {
            throw new TokenizerLoadException($"{fileName} gives id {id} to both \"{other}\" and \"{piece}\"; each id must name one " +
                                             "piece. The file is damaged or hand-edited; use the one exported with the model.");
        }

        _pieceOfId[id] = piece;
    }

    /// <summary>The added tokens of the file plus PaliGemma's location, segmentation and image tokens.</summary>
    private static List<AddedTokenEntry> WithPaliGemmaTokens(TokenizerJsonDefinition definition, string?[] pieceOfId, string fileName)
    {
        var tokens = definition.AddedTokens;
        var byContent = new Dictionary<string, AddedTokenEntry>(StringComparer.Ordinal);
        foreach (var token in tokens)
            byContent[token.Content] = token;

        foreach (var (content, id, special) in PaliGemmaAddedTokens())
        {
            if (byContent.TryGetValue(content, out var existing))
            {
                if (existing.Id != id)
                {
                    throw new TokenizerLoadException($"{fileName} gives {content} the id {existing.Id}; PaliGemma uses {id}. " +
                                                     "This tokenizer does not belong to a PaliGemma model.");
                }

                continue;
            }

            if (definition.Vocabulary.TryGetValue(content, out var vocabularyId) && vocabularyId != id)
            {
                throw new TokenizerLoadException($"{fileName} has the piece {content} with id {vocabularyId}; PaliGemma uses {id}. " +
                                                 "This tokenizer does not belong to a PaliGemma model.");
            }

            if (pieceOfId[id] is { } other && other != content)
            {
                throw new TokenizerLoadException($"{fileName} already uses id {id} for \"{other}\", where PaliGemma has {content}. " +
                                                 "This tokenizer does not belong to a PaliGemma model.");
            }

            pieceOfId[id] = content;
            tokens.Add(new AddedTokenEntry(id, content, special, Normalized: false, LStrip: false, RStrip: false));
        }

        return tokens;
    }

    private static IEnumerable<(string Content, int Id, bool Special)> PaliGemmaAddedTokens()
    {
        for (var i = 0; i < PaliGemmaTokens.LocationCount; i++)
            yield return ($"<loc{i:D4}>", PaliGemmaTokens.FirstLocation + i, false);
        for (var i = 0; i < PaliGemmaTokens.SegmentCount; i++)
            yield return ($"<seg{i:D3}>", PaliGemmaTokens.FirstSegment + i, false);
        yield return (ImageToken, PaliGemmaTokens.Image, true);
    }

    private static byte[] ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TokenizerLoadException($"{path} not found: it should hold {what}.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerLoadException($"{path} cannot be read: {e.Message}", e);
        }
    }

    private sealed class EncodeScratch
    {
        private char[] _normalized = new char[256];

        public List<(int Start, int Length)> Sections { get; } = [];

        public List<(int Start, int Length)> Subsections { get; } = [];

        public Span<char> Normalized(int length)
        {
            if (_normalized.Length < length)
                _normalized = new char[Math.Max(length, _normalized.Length * 2)];
            return _normalized.AsSpan(0, length);
        }
    }
}
