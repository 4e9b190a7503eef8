using EdgePali.Vision.Tasks;

namespace EdgePali.Vision.Tests.Tasks;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class VisionTaskParserTests
{
    [Fact]
    public void Detect_SplitsLabelsOnSemicolons()
    {
        var task = Assert.IsType<DetectTask>(VisionTaskParser.Parse("detect car ; person"));

        Assert.Equal(["car", "person"], task.Labels);
        Assert.Equal("detect car ; person", task.Prefix);
    }

    [Fact]
    public void Segment_TrimsLabelsAndDropsEmptyOnes()
    {
        var task = Assert.IsType<SegmentTask>(VisionTaskParser.Parse("  Segment   red car;; cat ; "));

        Assert.Equal(["red car", "cat"], task.Labels);
        Assert.Equal("segment red car ; cat", task.Prefix);
    }

    [Theory]
    [InlineData("caption en", "en")]
    [InlineData("caption", "en")]
    [InlineData("CAPTION de", "de")]
    [InlineData("caption pt-BR", "pt-BR")]
    public void Caption_TakesAnOptionalLanguage(string prompt, string language)
    {
        Assert.Equal(new CaptionTask(language), VisionTaskParser.Parse(prompt));
    }

    [Fact]
    public void Describe_TakesALanguage()
    {
        Assert.Equal(new DescribeTask("fr"), VisionTaskParser.Parse("describe fr"));
    }

    [Theory]
    [InlineData("answer en what is this?", "what is this?", "en")]
    [InlineData("answer de was ist das?", "was ist das?", "de")]
    [InlineData("answer what colour is the car?", "what colour is the car?", "en")]
    [InlineData("answer is the door open?", "is the door open?", "en")]
    [InlineData("answer pt-BR o que é isto?", "o que é isto?", "pt-BR")]
    public void Answer_SplitsLanguageAndQuestion(string prompt, string question, string language)
    {
        var task = Assert.IsType<AnswerTask>(VisionTaskParser.Parse(prompt));

        Assert.Equal(question, task.Question);
        Assert.Equal(language, task.Language);
        Assert.Equal($"answer {language} {question}", task.Prefix);
    }

    [Fact]
    public void Ocr_IsRecognised()
    {
        Assert.IsType<OcrTask>(VisionTaskParser.Parse("ocr"));
    }

    [Theory]
    [InlineData("what is in this picture")]
    [InlineData("caption en and more words")]
    [InlineData("detect")]
    [InlineData("detect ; ;")]
    [InlineData("ocr the sign")]
    [InlineData("answer")]
    [InlineData("question en a red car")]
    [InlineData("")]
    public void AnythingElse_IsSentAsIs(string prompt)
    {
        Assert.Equal(new RawTask(prompt), VisionTaskParser.Parse(prompt));
    }

    [Fact]
    public void FromKind_BuildsEachKind()
    {
        Assert.Equal(new CaptionTask("es"), VisionTaskParser.FromKind("caption", language: "es"));
        Assert.Equal(new DescribeTask(), VisionTaskParser.FromKind("describe"));
        Assert.IsType<OcrTask>(VisionTaskParser.FromKind("OCR"));
        Assert.Equal(new AnswerTask("is the door open?"), VisionTaskParser.FromKind("answer", "is the door open?"));
        Assert.Equal(["car", "person"], Assert.IsType<DetectTask>(VisionTaskParser.FromKind("detect", labels: ["car", " person "])).Labels);
        Assert.Equal(["cat", "dog"], Assert.IsType<SegmentTask>(VisionTaskParser.FromKind("segment", "cat ; dog")).Labels);
        Assert.Equal(new RawTask("cap en"), VisionTaskParser.FromKind("raw", "cap en"));
    }

    [Theory]
    [InlineData("classify", null, "Unknown task kind 'classify'")]
    [InlineData("answer", null, "needs the question")]
    [InlineData("detect", " ; ", "needs at least one label")]
    [InlineData("raw", null, "needs the prefix")]
    public void FromKind_RejectsIncompleteConfigurationWithAClearMessage(string kind, string? prompt, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => VisionTaskParser.FromKind(kind, prompt));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromKind_RejectsAMalformedLanguage()
    {
        Assert.Throws<ArgumentException>(() => VisionTaskParser.FromKind("caption", language: "english please"));
    }
}
