namespace EdgePali.Vision.Tests.Tokenization;

/// <summary>Ids published by the transformers.js and transformers tests and the PaliGemma processor tests
/// (reference/paligemma.md), each with the &lt;bos&gt; the reference prepends.</summary>
[Trait("Category", "Tokenizer")]
[Trait(TestKinds.Trait, TestKinds.Conformance)]
public sealed class GemmaTokenizerPublishedVectorsTests(GemmaTokenizerFixture fixture) : IClassFixture<GemmaTokenizerFixture>
{
    public static TheoryData<string, int[]> PublishedVectors => new()
    {
        { "How are you doing?", [2, 2299, 708, 692, 3900, 235336] },
        { "The company was founded in 2016.", [2, 651, 3277, 729, 18942, 575, 235248, 235284, 235276, 235274, 235318, 235265] },
        { "def main():\n\tpass", [2, 1293, 1872, 4409, 108, 226, 3095] },
        { "   leading space", [2, 140, 26650, 3641] },
        { "🦙Ꙋ", [2, 250645, 451, 370, 355] },
        { "This is a test", [2, 1596, 603, 476, 2121] },
        { "生活的真谛是", [2, 122182, 235710, 245467, 235427] },
        { "Hi  Hello", [2, 2151, 139, 4521] },
        { " ", [2, 235248] },
        { "\t\t\t\t \n\n61", [2, 255971, 235248, 109, 235318, 235274] },
        { "caption en\n", [2, 21209, 659, 108] },
    };

    [Theory]
    [MemberData(nameof(PublishedVectors))]
    public void Encode_WithBosWrittenAsText_GivesPublishedIds(string text, int[] expected)
    {
        Assert.Equal(expected, fixture.Tokenizer.Encode("<bos>" + text));
        Assert.Equal(expected[1..], fixture.Tokenizer.Encode(text));
    }

    [Theory]
    [MemberData(nameof(PublishedVectors))]
    public void Decode_PublishedIds_GivesBackTheText(string text, int[] ids)
    {
        Assert.Equal("<bos>" + text, fixture.Tokenizer.Decode(ids));
        Assert.Equal(text, fixture.Tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Encode_EmptyPrefixPrompt_GivesImageTokensBosAndNewline()
    {
        // HF PaliGemma processor test: prompt "" -> [257152]*256 + [2, 108].
        var prompt = string.Concat(Enumerable.Repeat("<image>", 256)) + "<bos>" + "\n";
        int[] expected = [.. Enumerable.Repeat(PaliGemmaTokens.Image, 256), PaliGemmaTokens.Bos, PaliGemmaTokens.Newline];
        Assert.Equal(expected, fixture.Tokenizer.Encode(prompt));
    }

    [Theory]
    [InlineData("beach", new[] { 54901 })]
    [InlineData("cow standing on the beach", new[] { 14706, 9980, 611, 573, 8318 })]
    public void Encode_PublishedSuffixes_GivesPublishedIds(string suffix, int[] expected)
    {
        // The published suffix vectors end with <eos> (1), which the training collator appends.
        Assert.Equal([.. expected, PaliGemmaTokens.Eos], fixture.Tokenizer.Encode(suffix + "<eos>"));
    }

    [Fact]
    public void Encode_LocationSegmentationAndImageTokens_AreAtomicWithPaliGemmaIds()
    {
        var tokenizer = fixture.Tokenizer;
        Assert.Equal([PaliGemmaTokens.FirstLocation], tokenizer.Encode("<loc0000>"));
        Assert.Equal([PaliGemmaTokens.FirstLocation + 1023], tokenizer.Encode("<loc1023>"));
        Assert.Equal([PaliGemmaTokens.FirstSegment], tokenizer.Encode("<seg000>"));
        Assert.Equal([PaliGemmaTokens.FirstSegment + 127], tokenizer.Encode("<seg127>"));
        Assert.Equal([PaliGemmaTokens.Image], tokenizer.Encode("<image>"));
        Assert.Equal([256051, 256309, 256708, 256646, 22043], tokenizer.Encode("<loc0051><loc0309><loc0708><loc0646> shoe"));
        Assert.Equal(PaliGemmaTokens.Image + 1, tokenizer.VocabularySize);
    }

    [Fact]
    public void Decode_SkippingSpecialTokens_KeepsLocationTokensButDropsImageBosAndEos()
    {
        int[] ids = [PaliGemmaTokens.Image, PaliGemmaTokens.Bos, 256051, 256309, 256708, 256646, 22043, PaliGemmaTokens.Eos];
        Assert.Equal("<image><bos><loc0051><loc0309><loc0708><loc0646> shoe<eos>", fixture.Tokenizer.Decode(ids));
        Assert.Equal("<loc0051><loc0309><loc0708><loc0646> shoe", fixture.Tokenizer.Decode(ids, skipSpecialTokens: true));
        Assert.True(fixture.Tokenizer.IsSpecial(PaliGemmaTokens.Image));
        Assert.False(fixture.Tokenizer.IsSpecial(256051));
    }
}
