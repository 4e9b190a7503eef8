namespace EdgePali.Vision.Tokenization;

/// <summary>Turns token ids back into text the way the reference (Hugging Face) decoder does, special
/// tokens such as &lt;loc0123&gt; written out. Parsers depend on this, not on a concrete tokenizer.</summary>
public interface ITokenDecoder
{
    /// <summary>The text of <paramref name="ids"/>, special tokens written out.</summary>
    string Decode(ReadOnlySpan<int> ids);
}
