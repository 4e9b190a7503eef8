using EdgePali.Vision.Tasks;

namespace EdgePali.Vision.Tests.Tasks;

/// <summary>The parser on ids from the real Gemma tokenizer (what generation produces), not the test table.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class DetectionParserGemmaTokenizerTests(GemmaTokenizerFixture gemma) : IClassFixture<GemmaTokenizerFixture>
{
    private IReadOnlyList<DetectedObject> Parse(string answer, int width, int height, out int skipped)
    {
        var tokens = gemma.Tokenizer.Encode(answer).Select(id => new GeneratedToken(id, 0.8f)).ToArray();
        return DetectionParser.Parse(tokens, gemma.Tokenizer, width, height, out skipped);
    }

    [Fact]
    public void HuggingFaceShoeExample()
    {
        var ids = gemma.Tokenizer.Encode("<loc0051><loc0309><loc0708><loc0646> shoe");
        Assert.Equal([256051, 256309, 256708, 256646], ids.Take(4));

        var shoe = Assert.Single(Parse("<loc0051><loc0309><loc0708><loc0646> shoe", 1023, 1023, out var skipped));

        Assert.Equal(0, skipped);
        Assert.Equal("shoe", shoe.Label);
        Assert.Equal(new BoxF(309, 51, 646, 708), shoe.Box);
        Assert.Equal(0.8f, shoe.Score, 5);
    }

    [Fact]
    public void MultiObjectAnswer_WithMultiWordAndUnicodeLabels()
    {
        var objects = Parse(
            "<loc0100><loc0200><loc0300><loc0400> red traffic light ; <loc0010><loc0020><loc0900><loc0500> Straßenbahn ; <loc0000><loc0000><loc1023><loc1023> 🦙<eos>",
            640, 480, out var skipped);

        Assert.Equal(0, skipped);
        Assert.Equal(["red traffic light", "Straßenbahn", "🦙"], objects.Select(o => o.Label));
        Assert.Equal(new BoxF(0, 0, 640, 480), objects[2].Box);
    }

    [Fact]
    public void SegmentAnswer_KeepsItsCodes()
    {
        int[] codes = [5, 100, 127, 0, 64, 64, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        var answer = "<loc0100><loc0200><loc0600><loc0900>" + string.Concat(codes.Select(c => $"<seg{c:D3}>")) + " cat";

        var cat = Assert.Single(Parse(answer, 640, 480, out _));

        Assert.Equal("cat", cat.Label);
        Assert.Equal(codes, cat.SegmentCodes);
    }

    [Fact]
    public void CaptionText_HasNoObjects()
    {
        Assert.Empty(Parse("cow standing on the beach", 640, 480, out var skipped));
        Assert.Equal(0, skipped);
    }
}
