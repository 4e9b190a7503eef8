using System.Buffers;
using System.Text;

namespace EdgePali.Vision.Tokenization;

/// <summary>
/// Ids back to text exactly as transformers.js's Tokenizer.decode does for Gemma: id -> piece (unknown ids
/// -> the unknown token's text), optionally drop special tokens, decoder Replace ("▁" -> " ") on each piece,
/// ByteFallback (runs of &lt;0xNN&gt; pieces decoded as UTF-8 by a fresh TextDecoder: invalid bytes become
/// U+FFFD and a leading byte-order mark is dropped), Fuse, then the optional clean-up of spaces before
/// punctuation. Each id's final text and byte value are computed once at load.
/// </summary>
internal sealed class PieceDecoder
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    // One entry per id (text, byte, special together: one cache line per id when decoding).
    private readonly Entry[] _entries;
    private readonly Entry _unknown;
    private readonly bool _cleanUpSpaces;

    /// <param name="pieceOfId">Piece text per id (null where no piece has that id).</param>
    /// <param name="unknownPiece">The unknown token's text, used for ids without a piece.</param>
    /// <param name="specialPieces">Texts dropped when skipping special tokens.</param>
    /// <param name="replace">The decoder's Replace step.</param>
    /// <param name="cleanUpSpaces">tokenizer_config.json's clean_up_tokenization_spaces (transformers.js default true).</param>
    public PieceDecoder(string?[] pieceOfId, string unknownPiece, IReadOnlySet<string> specialPieces,
        (string From, string To) replace, bool cleanUpSpaces)
    {
        _entries = new Entry[pieceOfId.Length];
        for (var id = 0; id < pieceOfId.Length; id++)
        {
            if (pieceOfId[id] is { } piece)
                _entries[id] = EntryOf(piece, specialPieces, replace);
        }

        _unknown = EntryOf(unknownPiece, specialPieces, replace);
        _cleanUpSpaces = cleanUpSpaces;
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens)
    {
        var text = new StringBuilder();
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(16, ids.Length));
        var byteCount = 0;
        try
        {
            foreach (var id in ids)
            {
                var entry = (uint)id < (uint)_entries.Length && _entries[id].Text is not null ? _entries[id] : _unknown;
                if (skipSpecialTokens && entry.Special)
                    continue;
                if (entry.Byte >= 0)
                {
                    bytes[byteCount++] = (byte)entry.Byte;
                    continue;
                }

                AppendUtf8(text, bytes.AsSpan(0, byteCount));
                byteCount = 0;
                text.Append(entry.Text);
            }

            AppendUtf8(text, bytes.AsSpan(0, byteCount));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }

        return _cleanUpSpaces ? CleanUpSpaces(text.ToString()) : text.ToString();
    }

    private static Entry EntryOf(string piece, IReadOnlySet<string> specialPieces, (string From, string To) replace)
    {
        var text = piece.Replace(replace.From, replace.To, StringComparison.Ordinal);
        return new Entry(text, ByteOf(text), specialPieces.Contains(piece));
    }

    private static void AppendUtf8(StringBuilder text, ReadOnlySpan<byte> run)
    {
        if (run.IsEmpty)
            return;
        // TextDecoder (ignoreBOM = false) swallows a byte-order mark at the start of each decode call.
        if (run.StartsWith("\uFEFF"u8))
            run = run[3..];
        var chars = ArrayPool<char>.Shared.Rent(run.Length + 1);
        try
        {
            // .NET replaces each maximal invalid subsequence with one U+FFFD, as the WHATWG decoder does.
            var count = Utf8.GetChars(run, chars);
            text.Append(chars, 0, count);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>
    /// ByteFallback's test: six characters "&lt;0x??&gt;" whose middle two parse with JavaScript's
    /// parseInt(_, 16) (leading whitespace and a sign allowed, trailing junk ignored); the byte is that value
    /// modulo 256, as Uint8Array.from stores it. -1 when the piece is not a byte.
    /// </summary>
    internal static short ByteOf(string piece)
    {
        if (piece.Length != 6 || !piece.StartsWith("<0x", StringComparison.Ordinal) || piece[5] != '>')
            return -1;
        var value = JsParseHex(piece.AsSpan(3, 2));
        return value is { } v ? (short)(v & 0xFF) : (short)-1;
    }

    private static int? JsParseHex(ReadOnlySpan<char> s)
    {
        var i = 0;
        while (i < s.Length && IsJsWhiteSpace(s[i]))
            i++;
        var sign = 1;
        if (i < s.Length && s[i] is '-' or '+')
        {
            sign = s[i] == '-' ? -1 : 1;
            i++;
        }

        if (i + 1 < s.Length && s[i] == '0' && s[i + 1] is 'x' or 'X')
            i += 2;
        var value = 0;
        var digits = 0;
        for (; i < s.Length && char.IsAsciiHexDigit(s[i]); i++, digits++)
            value = (value * 16) + (s[i] <= '9' ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
        return digits == 0 ? null : sign * value;
    }

    /// <summary>JavaScript's whitespace (WhiteSpace + LineTerminator), used by trim and parseInt.</summary>
    internal static bool IsJsWhiteSpace(char c) => c == '\uFEFF' || (c != '\u0085' && char.IsWhiteSpace(c));

    /// <summary>An id's text after the decoder's Replace, its byte if it is a byte piece (else -1), and whether
    /// skipping special tokens drops it.</summary>
    private readonly record struct Entry(string? Text, short Byte, bool Special);

    /// <summary>transformers.js's clean_up_tokenization, replacement by replacement.</summary>
    private static string CleanUpSpaces(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal)
        .Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal)
        .Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal)
        .Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);
}
