namespace EdgePali.Vision.Tokenization;

/// <summary>One entry of tokenizer.json's "added_tokens": text matched as a whole before the model runs.
/// <c>single_word</c> is not kept: transformers.js (the reference) ignores it when splitting.</summary>
internal sealed record AddedTokenEntry(int Id, string Content, bool Special, bool Normalized, bool LStrip, bool RStrip);
