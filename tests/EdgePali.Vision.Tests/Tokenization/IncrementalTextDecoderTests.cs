using EdgePali.Testing;
using EdgePali.Vision.Tokenization;

namespace EdgePali.Vision.Tests.Tokenization;

/// <summary>Streaming decode with the real Gemma tokenizer: pieces add up to the whole decode and never carry half a character.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class IncrementalTextDecoderTests(GemmaTokenizerFixture gemma) : IClassFixture<GemmaTokenizerFixture>
{
    [Theory]
    [InlineData("a person walking a dog on the street")]
    [InlineData("café à Zürich, 東京 and a snowman ☃ 🙂")]
    [InlineData("<loc0123><loc0456><loc0789><loc1000> person ; <loc0001><loc0002><loc0003><loc0004> car")]
    [InlineData("  leading spaces\nand a new line")]
    public void Pieces_AddUpToTheWholeDecode_WithoutReplacementCharacters(string text)
    {
        var ids = gemma.Tokenizer.Encode(text);
        var decoder = new IncrementalTextDecoder(gemma.Tokenizer);

        var pieces = ids.Select(decoder.Push).ToList();
        pieces.Add(decoder.Finish());

        Assert.Equal(gemma.Tokenizer.Decode(ids), string.Concat(pieces));
        Assert.All(pieces, p => Assert.DoesNotContain('\uFFFD', p));
        Assert.True(pieces.Count(p => p.Length > 0) > 1, "the text comes in several pieces, not at the end");
    }
}
