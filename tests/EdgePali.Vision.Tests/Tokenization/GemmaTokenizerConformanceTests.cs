using System.Text;
using EdgePali.Quantize.Checkpoints;
using EdgePali.Vision.Tokenization;

namespace EdgePali.Vision.Tests.Tokenization;

/// <summary>EdgePali's tokenizer against transformers.js on the same tokenizer.json: ids and text, exactly.</summary>
[Trait("Category", "Tokenizer")]
[Trait(TestKinds.Trait, TestKinds.Conformance)]
public sealed class GemmaTokenizerConformanceTests(TokenizerConformanceFixture fixture) : IClassFixture<TokenizerConformanceFixture>
{
    [Fact]
    public void Encode_CorpusTexts_GivesTransformersJsIds()
    {
        var mismatches = new StringBuilder();
        foreach (var text in fixture.CorpusTexts)
        {
            var expected = fixture.AnswerFor(text).Ids!;
            var actual = fixture.Tokenizer.Encode(text);
            if (!expected.SequenceEqual(actual))
                mismatches.AppendLine($"{Show(text)}: expected [{string.Join(',', expected)}] got [{string.Join(',', actual)}]");
        }

        Assert.True(mismatches.Length == 0, mismatches.ToString());
    }

    [Fact]
    public void Encode_SeededRandomTexts_GivesTransformersJsIds()
    {
        var mismatches = new StringBuilder();
        foreach (var text in fixture.RandomTexts)
        {
            var expected = fixture.AnswerFor(text).Ids!;
            var actual = fixture.Tokenizer.Encode(text);
            if (!expected.SequenceEqual(actual))
                mismatches.AppendLine($"{Show(text)}: expected [{string.Join(',', expected)}] got [{string.Join(',', actual)}]");
        }

        Assert.True(mismatches.Length == 0, $"seed {TokenizerConformanceFixture.RandomTextSeed}:\n{mismatches}");
    }

    [Fact]
    public void Decode_EncodedTexts_GivesTransformersJsText_WithAndWithoutSpecialTokens()
    {
        var mismatches = new StringBuilder();
        foreach (var (text, answer) in fixture.TextAnswers)
        {
            var decoded = fixture.Tokenizer.Decode(answer.Ids!);
            var skipped = fixture.Tokenizer.Decode(answer.Ids!, skipSpecialTokens: true);
            if (decoded != answer.Decoded)
                mismatches.AppendLine($"{Show(text)}: decode expected {Show(answer.Decoded)} got {Show(decoded)}");
            if (skipped != answer.DecodedSkippingSpecial)
                mismatches.AppendLine($"{Show(text)}: skip-special decode expected {Show(answer.DecodedSkippingSpecial)} got {Show(skipped)}");
        }

        Assert.True(mismatches.Length == 0, mismatches.ToString());
    }

    [Fact]
    public void DecodeOfEncode_RoundTripsWhereverTransformersJsDoes()
    {
        var roundTrips = fixture.TextAnswers.Where(a => a.Answer.Decoded == a.Text).ToList();
        // The reference round-trips nearly everything (only exotic input such as a lone byte-order mark can be lost);
        // make sure this test is not vacuous.
        Assert.True(roundTrips.Count > fixture.TextAnswers.Count * 9 / 10, $"only {roundTrips.Count} of {fixture.TextAnswers.Count} round-trip in transformers.js");
        foreach (var (text, _) in roundTrips)
            Assert.Equal(text, fixture.Tokenizer.Decode(fixture.Tokenizer.Encode(text)));
    }

    [Fact]
    public void Decode_SeededRandomIdSequences_GivesTransformersJsText()
    {
        var mismatches = new StringBuilder();
        foreach (var (ids, answer) in fixture.IdAnswers)
        {
            var decoded = fixture.Tokenizer.Decode(ids);
            var skipped = fixture.Tokenizer.Decode(ids, skipSpecialTokens: true);
            if (decoded != answer.Decoded)
                mismatches.AppendLine($"[{string.Join(',', ids)}]: expected {Show(answer.Decoded)} got {Show(decoded)}");
            if (skipped != answer.DecodedSkippingSpecial)
                mismatches.AppendLine($"[{string.Join(',', ids)}] skipping special: expected {Show(answer.DecodedSkippingSpecial)} got {Show(skipped)}");
        }

        Assert.True(mismatches.Length == 0, $"seed {TokenizerConformanceFixture.RandomIdSeed}:\n{mismatches}");
    }

    [Fact]
    public void BuilderPackageTokenizerFiles_EncodeAndDecodeLikeTheReference()
    {
        // The builder writes tokenizer.json with PaliGemma's tokens listed (and its own tokenizer_config.json);
        // it must tokenize exactly as the plain Gemma file does in transformers.js.
        var package = Directory.CreateTempSubdirectory("edgepali-builder-tokenizer-").FullName;
        try
        {
            PaliGemmaTokenizerFiles.Write(RepositoryPaths.GemmaTokenizerJson, package, imageSeqLength: 256);
            var tokenizer = GemmaTokenizer.FromDirectory(package);

            Assert.Equal(fixture.Tokenizer.VocabularySize, tokenizer.VocabularySize);
            foreach (var (text, answer) in fixture.TextAnswers)
                Assert.Equal(answer.Ids!, tokenizer.Encode(text));
            foreach (var (ids, answer) in fixture.IdAnswers)
            {
                Assert.Equal(answer.Decoded, tokenizer.Decode(ids));
                Assert.Equal(answer.DecodedSkippingSpecial, tokenizer.Decode(ids, skipSpecialTokens: true));
            }
        }
        finally
        {
            Directory.Delete(package, recursive: true);
        }
    }

    private static string Show(string text)
    {
        var shown = text.Length > 80 ? text[..80] + "..." : text;
        var escaped = new StringBuilder("\"");
        foreach (var rune in shown.EnumerateRunes())
            escaped.Append(rune.Value is < 0x20 or 0x7F or 0xFEFF ? $"\\u{rune.Value:X4}" : rune.ToString());
        return escaped.Append('"').ToString();
    }
}
