namespace EdgePali.Vision.Tokenization;

/// <summary>
/// Turns tokens arriving one by one into the text each adds, for streaming an answer while it is generated. Each
/// step decodes all ids so far and returns what was not returned before, which handles what a per-token decode
/// would get wrong: SentencePiece's leading space (dropped only at the very start) and characters whose UTF-8 bytes
/// span several byte-fallback tokens (held back while the text ends in U+FFFD, the decoder's mark for an unfinished
/// character). The pieces therefore add up to exactly <see cref="ITokenDecoder.Decode"/> of all ids.
/// Re-decoding costs O(n) per token; answers are at most a few hundred tokens, so this is small next to a decoder step.
/// </summary>
public sealed class IncrementalTextDecoder(ITokenDecoder decoder)
{
    private readonly List<int> _ids = new(64);
    private int _emitted;

    /// <summary>Adds one token; returns the new text it completes (may be empty).</summary>
    public string Push(int tokenId)
    {
        _ids.Add(tokenId);
        var text = decoder.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ids));
        if (text.Length <= _emitted || text[^1] == '\uFFFD')
            return "";
        var piece = text[_emitted..];
        _emitted = text.Length;
        return piece;
    }

    /// <summary>Whatever the last tokens left unfinished (an incomplete character at the very end), once generation is over.</summary>
    public string Finish()
    {
        var text = decoder.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ids));
        if (text.Length <= _emitted)
            return "";
        var piece = text[_emitted..];
        _emitted = text.Length;
        return piece;
    }
}
