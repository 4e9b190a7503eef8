using EdgePali.Vision.Tasks;

namespace EdgePali.Vision.Tests.Tasks;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class DetectionParserTests
{
    private const int Width = 640;
    private const int Height = 480;

    private static IReadOnlyList<DetectedObject> Parse(string answer, out int skipped, float probability = 0.9f) =>
        DetectionParser.Parse(TableTokenDecoder.Tokens(answer, probability), TableTokenDecoder.Instance, Width, Height, out skipped);

    private static IReadOnlyList<DetectedObject> Parse(string answer) => Parse(answer, out _);

    [Fact]
    public void HuggingFaceShoeExample_GivesOneBoxInFramePixels()
    {
        var objects = Parse("<loc0051><loc0309><loc0708><loc0646> shoe", out var skipped);

        var shoe = Assert.Single(objects);
        Assert.Equal(0, skipped);
        Assert.Equal("shoe", shoe.Label);
        Assert.Equal(new BoxF(309 / 1023f, 51 / 1023f, 646 / 1023f, 708 / 1023f), shoe.BoxNormalized);
        Assert.Equal(309 / 1023.0 * Width, shoe.Box.XMin, 3);
        Assert.Equal(51 / 1023.0 * Height, shoe.Box.YMin, 3);
        Assert.Equal(646 / 1023.0 * Width, shoe.Box.XMax, 3);
        Assert.Equal(708 / 1023.0 * Height, shoe.Box.YMax, 3);
        Assert.Equal(0.9f, shoe.Score, 5);
        Assert.Null(shoe.SegmentCodes);
        Assert.Null(shoe.Mask);
    }

    [Fact]
    public void MultipleObjects_SeparatedBySemicolons_AreAllReturnedInOrder()
    {
        var objects = Parse("<loc0100><loc0200><loc0300><loc0400> car ; <loc0010><loc0020><loc0900><loc0500> person ; <loc0000><loc0000><loc1023><loc1023> car");

        Assert.Equal(["car", "person", "car"], objects.Select(o => o.Label));
        Assert.Equal(new BoxF(20 / 1023f * Width, 10 / 1023f * Height, 500 / 1023f * Width, 900 / 1023f * Height), objects[1].Box);
        Assert.Equal(new BoxF(0, 0, Width, Height), objects[2].Box);
    }

    [Fact]
    public void SegmentAnswer_KeepsTheSixteenCodesOfEachObject()
    {
        var codes1 = Enumerable.Range(0, 16).Select(k => k * 8).ToArray();
        var codes2 = Enumerable.Range(0, 16).Select(k => 127 - k).ToArray();
        var answer = "<loc0100><loc0200><loc0300><loc0400>" + Segs(codes1) + " cat ;" +
                     " <loc0500><loc0600><loc0700><loc0800> " + Segs(codes2) + " dog";

        var objects = Parse(answer, out var skipped);

        Assert.Equal(0, skipped);
        Assert.Equal(["cat", "dog"], objects.Select(o => o.Label));
        Assert.Equal(codes1, objects[0].SegmentCodes);
        Assert.Equal(codes2, objects[1].SegmentCodes);
    }

    [Theory]
    [InlineData("<loc0100><loc0200><loc0300> car")]                                    // three location tokens
    [InlineData("<loc0100><loc0200><loc0300><loc0400><seg001><seg002><seg003> cat")]   // 3 codes, not 16
    [InlineData("<loc0300><loc0200><loc0100><loc0400> car")]                           // y_max < y_min
    [InlineData("<loc0100><loc0400><loc0300><loc0400> car")]                           // x_max == x_min
    public void MalformedObject_IsSkippedAndCounted(string answer)
    {
        var objects = Parse(answer, out var skipped);

        Assert.Empty(objects);
        Assert.Equal(1, skipped);
    }

    [Fact]
    public void SeventeenSegmentCodes_IsAWrongCount()
    {
        var objects = Parse("<loc0100><loc0200><loc0300><loc0400>" + Segs(new int[17]) + " cat", out var skipped);

        Assert.Empty(objects);
        Assert.Equal(1, skipped);
    }

    [Fact]
    public void InvalidObject_DoesNotHideValidNeighbours()
    {
        var objects = Parse("<loc0300><loc0200><loc0100><loc0400> car ; <loc0100><loc0200><loc0300><loc0400> person ; <loc0001><loc0002> dog", out var skipped);

        Assert.Equal("person", Assert.Single(objects).Label);
        Assert.Equal(2, skipped);
    }

    [Theory]
    [InlineData(" red traffic light", "red traffic light")]
    [InlineData(" Straßenbahn", "Straßenbahn")]
    [InlineData(" 🦙", "🦙")]
    [InlineData(" 猫 ; ", "猫")]
    [InlineData("cat", "cat")]
    [InlineData("", "")]
    [InlineData(" ", "")]
    [InlineData(" ;", "")]
    [InlineData("car; dog", "car")]
    [InlineData(" car < dog", "car")]
    [InlineData(" car<pad> dog", "car")]
    public void Label_IsTheTrimmedTextUpToTheFirstSeparator(string labelText, string expected)
    {
        var objects = Parse("<loc0100><loc0200><loc0300><loc0400>" + labelText);

        Assert.Equal(expected, Assert.Single(objects).Label);
    }

    [Fact]
    public void GroupsOfFourWithoutLabels_AreSeparateObjects()
    {
        var objects = Parse("<loc0100><loc0200><loc0300><loc0400><loc0500><loc0600><loc0700><loc0800> car");

        Assert.Equal(["", "car"], objects.Select(o => o.Label));
    }

    [Fact]
    public void LocationRunWithLeftovers_KeepsCompleteGroupsAndSkipsTheRest()
    {
        var objects = Parse("<loc0100><loc0200><loc0300><loc0400><loc0500><loc0600> car", out var skipped);

        var first = Assert.Single(objects);
        Assert.Equal("", first.Label);
        Assert.Equal(1, skipped);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" red car ; person")]
    [InlineData("<seg001><seg002> cat")]
    [InlineData("<eos><loc0100><loc0200><loc0300><loc0400> car")]
    [InlineData(" ; ; ;")]
    public void AnswerWithoutObjects_GivesNothing(string answer)
    {
        Assert.Empty(Parse(answer, out var skipped));
        Assert.Equal(0, skipped);
    }

    [Fact]
    public void TextBeforeTheFirstBox_IsIgnored()
    {
        var objects = Parse(" red car<loc0100><loc0200><loc0300><loc0400> person");

        Assert.Equal("person", Assert.Single(objects).Label);
    }

    [Fact]
    public void TokensAfterEos_AreIgnored()
    {
        var objects = Parse("<loc0100><loc0200><loc0300><loc0400> car<eos><loc0500><loc0600><loc0700><loc0800> person");

        Assert.Equal("car", Assert.Single(objects).Label);
    }

    [Fact]
    public void Score_IsGeometricMeanOfLocationAndLabelTokens_SeparatorExcluded()
    {
        var ids = TableTokenDecoder.Ids("<loc0100><loc0200><loc0300><loc0400> red traffic light ; <loc0010><loc0020><loc0030><loc0040> car");
        float[] probabilities = [0.5f, 0.5f, 0.25f, 1f, 0.8f, 0.6f, 0.9f, 0.01f, 0.05f, 0.7f, 0.7f, 0.7f, 0.7f, 0.2f];
        Assert.Equal(probabilities.Length, ids.Count);
        var tokens = ids.Select((id, k) => new GeneratedToken(id, probabilities[k])).ToArray();

        var objects = DetectionParser.Parse(tokens, TableTokenDecoder.Instance, Width, Height);

        var expectedFirst = Math.Exp((Math.Log(0.5) + Math.Log(0.5) + Math.Log(0.25) + Math.Log(1) + Math.Log(0.8) + Math.Log(0.6) + Math.Log(0.9)) / 7);
        var expectedSecond = Math.Exp(((4 * Math.Log(0.7)) + Math.Log(0.2)) / 5);
        Assert.Equal(expectedFirst, objects[0].Score, 5);
        Assert.Equal(expectedSecond, objects[1].Score, 5);
    }

    [Fact]
    public void Score_OfUnlabelledBox_UsesTheLocationTokensOnly()
    {
        var ids = TableTokenDecoder.Ids("<loc0100><loc0200><loc0300><loc0400> ;");
        float[] probabilities = [0.9f, 0.8f, 0.7f, 0.6f, 0.0001f];
        var tokens = ids.Select((id, k) => new GeneratedToken(id, probabilities[k])).ToArray();

        var box = Assert.Single(DetectionParser.Parse(tokens, TableTokenDecoder.Instance, Width, Height));

        Assert.Equal(Math.Pow(0.9 * 0.8 * 0.7 * 0.6, 0.25), box.Score, 5);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(-1f)]
    [InlineData(0f)]
    [InlineData(7f)]
    [InlineData(float.PositiveInfinity)]
    public void Score_StaysInUnitRange_ForBrokenProbabilities(float probability)
    {
        var box = Assert.Single(Parse("<loc0100><loc0200><loc0300><loc0400> car", out _, probability));

        Assert.InRange(box.Score, 0f, 1f);
    }

    [Fact]
    public void FrameSize_MustBePositive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DetectionParser.Parse([], TableTokenDecoder.Instance, 0, 10));
    }

    [Fact]
    public void RandomTokenSequences_NeverThrow_AndOnlyYieldValidObjects()
    {
        var random = new Random(20240514);
        var textIds = TableTokenDecoder.TextIds.ToArray();
        var found = 0;
        for (var run = 0; run < 5000; run++)
        {
            var length = random.Next(0, 64);
            var tokens = new GeneratedToken[length];
            for (var k = 0; k < length; k++)
                tokens[k] = new GeneratedToken(RandomId(random, textIds), RandomProbability(random));
            var width = random.Next(1, 4000);
            var height = random.Next(1, 4000);

            var objects = DetectionParser.Parse(tokens, TableTokenDecoder.Instance, width, height, out var skipped);

            Assert.True(skipped >= 0);
            foreach (var o in objects)
            {
                Assert.True(o.Box.XMin >= 0 && o.Box.YMin >= 0 && o.Box.XMax <= width && o.Box.YMax <= height, $"box {o.Box} outside {width}x{height}");
                Assert.True(o.Box.XMax > o.Box.XMin && o.Box.YMax > o.Box.YMin, $"empty box {o.Box}");
                Assert.True(o.BoxNormalized.XMin >= 0 && o.BoxNormalized.XMax <= 1 && o.BoxNormalized.YMin >= 0 && o.BoxNormalized.YMax <= 1);
                Assert.InRange(o.Score, 0f, 1f);
                Assert.Equal(o.Label.Trim(), o.Label);
                Assert.True(o.Label.IndexOfAny([';', '<', '>']) < 0, o.Label);
                if (o.SegmentCodes is not null)
                {
                    Assert.Equal(16, o.SegmentCodes.Count);
                    Assert.All(o.SegmentCodes, c => Assert.InRange(c, 0, 127));
                }
            }

            found += objects.Count;
        }

        Assert.True(found > 500, $"the generator should produce objects often enough to test something (got {found})");
    }

    [Fact]
    public void RandomWellFormedAnswers_RoundTrip()
    {
        var random = new Random(7);
        string[] labels = ["shoe", "car", "person", "red traffic light", "Straßenbahn", "🦙", "猫", "cat", "dog"];
        for (var run = 0; run < 1000; run++)
        {
            var count = random.Next(0, 6);
            var segment = random.Next(2) == 0;
            var expected = new List<(int Y1, int X1, int Y2, int X2, int[]? Codes, string Label)>();
            var parts = new List<string>();
            for (var n = 0; n < count; n++)
            {
                var y1 = random.Next(0, 1023);
                var x1 = random.Next(0, 1023);
                var y2 = random.Next(y1 + 1, 1024);
                var x2 = random.Next(x1 + 1, 1024);
                var codes = segment ? Enumerable.Range(0, 16).Select(_ => random.Next(128)).ToArray() : null;
                var label = labels[random.Next(labels.Length)];
                expected.Add((y1, x1, y2, x2, codes, label));
                var label0 = label == "cat" ? "cat" : " " + label;
                parts.Add($"<loc{y1:D4}><loc{x1:D4}><loc{y2:D4}><loc{x2:D4}>" + (codes is null ? "" : Segs(codes)) + label0);
            }

            var answer = string.Join(" ; ", parts) + (random.Next(2) == 0 ? "<eos>" : "");
            var objects = DetectionParser.Parse(TableTokenDecoder.Tokens(answer), TableTokenDecoder.Instance, 1023, 1023, out var skipped);

            Assert.Equal(0, skipped);
            Assert.Equal(expected.Count, objects.Count);
            for (var n = 0; n < expected.Count; n++)
            {
                var (y1, x1, y2, x2, codes, label) = expected[n];
                Assert.Equal(label, objects[n].Label);
                Assert.Equal(new BoxF(x1, y1, x2, y2), objects[n].Box);
                Assert.Equal(codes, objects[n].SegmentCodes);
                Assert.Equal(0.9f, objects[n].Score, 5);
            }
        }
    }

    private static int RandomId(Random random, int[] textIds) => random.Next(100) switch
    {
        < 45 => PaliGemmaTokens.FirstLocation + random.Next(PaliGemmaTokens.LocationCount),
        < 60 => PaliGemmaTokens.FirstSegment + random.Next(PaliGemmaTokens.SegmentCount),
        < 88 => textIds[random.Next(textIds.Length)],
        < 90 => PaliGemmaTokens.Eos,
        < 94 => random.Next(3, PaliGemmaTokens.FirstLocation), // text the table does not know
        < 97 => random.Next(PaliGemmaTokens.Image, int.MaxValue), // never generable
        _ => random.Next(int.MinValue, 0),
    };

    private static float RandomProbability(Random random) => random.Next(50) switch
    {
        0 => float.NaN,
        1 => -random.NextSingle(),
        2 => 1 + random.NextSingle(),
        _ => random.NextSingle(),
    };

    private static string Segs(IEnumerable<int> codes) => string.Concat(codes.Select(c => $"<seg{c:D3}>"));
}
