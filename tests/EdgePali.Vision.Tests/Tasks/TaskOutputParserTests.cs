using EdgePali.Vision.Tasks;

namespace EdgePali.Vision.Tests.Tasks;

[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class TaskOutputParserTests(VaeDecoderFixture vae) : IClassFixture<VaeDecoderFixture>
{
    private const string SegmentAnswer =
        "<loc0100><loc0200><loc0600><loc0900><seg001><seg002><seg003><seg004><seg005><seg006><seg007><seg008>" +
        "<seg009><seg010><seg011><seg012><seg013><seg014><seg015><seg016> cat";

    [Fact]
    public void SegmentAnswer_WithDecoder_GetsMasksAndNoNote()
    {
        var output = TaskOutputParser.Parse(new SegmentTask(["cat"]), TableTokenDecoder.Tokens(SegmentAnswer), TableTokenDecoder.Instance, vae.Decoder, 320, 240);

        Assert.NotNull(Assert.Single(output.Objects).Mask);
        Assert.Null(output.Note);
    }

    [Fact]
    public void SegmentAnswer_WithoutDecoder_KeepsCodesAndSaysWhy()
    {
        var output = TaskOutputParser.Parse(new SegmentTask(["cat"]), TableTokenDecoder.Tokens(SegmentAnswer), TableTokenDecoder.Instance, null, 320, 240);

        var cat = Assert.Single(output.Objects);
        Assert.Null(cat.Mask);
        Assert.Equal(Enumerable.Range(1, 16), cat.SegmentCodes);
        Assert.Equal(MaskDecoder.MissingDecoderNote, output.Note);
    }

    [Fact]
    public void MalformedObjects_AreCountedInTheNote()
    {
        var output = TaskOutputParser.Parse(new DetectTask(["car"]), TableTokenDecoder.Tokens("<loc0300><loc0200><loc0100><loc0400> car ; <loc0001> car"), TableTokenDecoder.Instance, null, 320, 240);

        Assert.Empty(output.Objects);
        Assert.StartsWith("2 malformed objects", output.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void TextTasks_HaveNoObjects_EvenIfTheTextLooksLikeOne()
    {
        var output = TaskOutputParser.Parse(new CaptionTask(), TableTokenDecoder.Tokens("<loc0100><loc0200><loc0300><loc0400> car"), TableTokenDecoder.Instance, null, 320, 240);

        Assert.Empty(output.Objects);
        Assert.Null(output.Note);
    }

    [Fact]
    public void RawPrompts_AreParsedForObjects()
    {
        var output = TaskOutputParser.Parse(new RawTask("find the car"), TableTokenDecoder.Tokens("<loc0100><loc0200><loc0300><loc0400> car"), TableTokenDecoder.Instance, null, 320, 240);

        Assert.Equal("car", Assert.Single(output.Objects).Label);
    }
}
