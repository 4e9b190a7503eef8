using EdgePali.Vision.Inference;
using EdgePali.Vision.Tasks;

namespace EdgePali.Vision.Tests.Inference;

/// <summary>The detect/segment logits processor on hand-made logits, with label tries from the real Gemma tokenizer.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class DetectionConstraintTests(GemmaTokenizerFixture gemma) : IClassFixture<GemmaTokenizerFixture>
{
    private const int Loc = PaliGemmaTokens.FirstLocation;
    private const int Seg = PaliGemmaTokens.FirstSegment;
    private const int Car = 1226;          // " car"
    private const int Traffic = 9988;      // " traffic"
    private const int Light = 2611;        // " light"
    private const int SpacedSemicolon = 2161; // " ;"
    private const int Space = 235248;      // " "
    private static readonly int[] Eos = [PaliGemmaTokens.Eos];

    private DetectionConstraint Start(bool segment = false, bool allowEos = true, params string[] labels)
    {
        var constraint = new DetectionConstraint();
        constraint.Start(DetectionGrammar.Build(labels, segment, gemma.Tokenizer), Eos, allowEos);
        return constraint;
    }

    /// <summary>Logits of a vocabulary where the model wants <paramref name="wanted"/> most, then each id in turn less.</summary>
    private static float[] Logits(params int[] wanted)
    {
        var logits = new float[PaliGemmaTokens.FirstNonGenerable + 64];
        Array.Fill(logits, -5f);
        for (var i = 0; i < wanted.Length; i++)
            logits[wanted[i]] = 10f - i;
        return logits;
    }

    private static GeneratedToken Pick(DetectionConstraint constraint, int remaining, params int[] wanted)
    {
        var search = new GreedySearch(Eos);
        var token = search.Next(Logits(wanted), constraint, remaining);
        if (!search.IsEos(token.Id))
            constraint.Advance(token.Id);
        return token;
    }

    [Fact]
    public void Grammar_UsesWhatTheGemmaTokenizerWrites()
    {
        var grammar = DetectionGrammar.Build(["car", "traffic light"], segment: false, gemma.Tokenizer);
        Assert.Equal([SpacedSemicolon, 235289], grammar.SeparatorIds); // " ;" and ";"
        Assert.Equal(Space, grammar.SpaceId);
        // " car", "car", " traffic", "traffic": labels with and without the leading space.
        Assert.Equal([Car, 2269, Traffic, 67557], [.. grammar.ChildTokens(DetectionGrammar.Root).ToArray().Order()]);
        Assert.Equal(4 + 1, grammar.ObjectTokens);
    }

    [Fact]
    public void WellFormedAnswer_PassesThroughUnchanged()
    {
        var constraint = Start(labels: ["car", "traffic light"]);
        int[] answer = [Loc + 100, Loc + 200, Loc + 600, Loc + 700, Car, SpacedSemicolon, Space, Loc + 1, Loc + 2, Loc + 3, Loc + 4, Traffic, Light, PaliGemmaTokens.Eos];
        foreach (var id in answer)
            Assert.Equal(id, Pick(constraint, 64, id, 5, 6).Id); // the model's first choice is always allowed
    }

    [Fact]
    public void TextIsReplacedByABox_ThenALabel_ThenSeparatorOrEos()
    {
        var constraint = Start(labels: ["car"]);
        Assert.Equal(Loc + 5, Pick(constraint, 64, 42, Loc + 5).Id);               // text before the box: not allowed
        Assert.Equal(Loc + 9, Pick(constraint, 64, Seg + 1, Loc + 9).Id);          // a segment code in a detect box: no
        Assert.Equal(Loc + 6, Pick(constraint, 64, Loc + 5, Loc + 4, Loc + 6).Id); // y_max must exceed y_min (5)
        Assert.Equal(Loc + 10, Pick(constraint, 64, Loc + 9, Loc + 10).Id);        // x_max must exceed x_min (9)
        Assert.Equal(Car, Pick(constraint, 64, 1552, PaliGemmaTokens.Eos, Car).Id); // " person" was not requested; no empty label
        Assert.Equal(PaliGemmaTokens.Eos, Pick(constraint, 64, 42, Loc + 1, PaliGemmaTokens.Eos).Id); // after a label: separator or eos
    }

    [Fact]
    public void FirstCoordinate_LeavesRoomForALargerSecond()
    {
        var constraint = Start(labels: ["car"]);
        Assert.Equal(Loc + 1022, Pick(constraint, 64, Loc + 1023, Loc + 1022).Id);
        Assert.Equal(Loc + 1022, Pick(constraint, 64, Loc + 1023, Loc + 1022).Id);
        Assert.Equal(Loc + 1023, Pick(constraint, 64, Loc + 3, Loc + 1023).Id);
    }

    [Fact]
    public void MultiTokenLabel_IsFinished_AndPrefixLabelsMayEndOrGoOn()
    {
        var constraint = Start(labels: ["car", "car door"]);
        foreach (var id in new[] { Loc + 1, Loc + 2, Loc + 3, Loc + 4, Car })
            Pick(constraint, 64, id);
        var door = gemma.Tokenizer.Encode(" car door")[^1];
        Assert.Equal(door, Pick(constraint, 64, door).Id);   // "car" may go on to "car door"
        Assert.Equal(PaliGemmaTokens.Eos, Pick(constraint, 64, Car, PaliGemmaTokens.Eos).Id);

        var traffic = Start(labels: ["traffic light"]);
        foreach (var id in new[] { Loc + 1, Loc + 2, Loc + 3, Loc + 4, Traffic })
            Pick(traffic, 64, id);
        Assert.Equal(Light, Pick(traffic, 64, PaliGemmaTokens.Eos, SpacedSemicolon, Light).Id); // half a label is no label
    }

    [Fact]
    public void TokenLimit_NeverCutsAnObject_AndEndsWhenOnlyEosIsLeft()
    {
        var constraint = Start(labels: ["car", "traffic light"]);
        Assert.False(constraint.AllowsOnlyEnd(5));
        Assert.True(constraint.AllowsOnlyEnd(4)); // a box and the shortest label need 5 tokens
        Assert.Equal(PaliGemmaTokens.Eos, Pick(constraint, 4, Loc + 1, PaliGemmaTokens.Eos).Id);

        constraint = Start(labels: ["car", "traffic light"]);
        foreach (var id in new[] { Loc + 1, Loc + 2, Loc + 3, Loc + 4 })
            Pick(constraint, 64, id);
        Assert.Equal(Car, Pick(constraint, 1, Traffic, Car).Id); // one token left: " traffic light" cannot be finished
        Assert.True(constraint.AllowsOnlyEnd(5));  // a separator needs room for a whole object after it
        Assert.False(constraint.AllowsOnlyEnd(6));
    }

    [Fact]
    public void SuppressedEos_EndsTheAnswerOnlyWhenTheGrammarAllowsNothingElse()
    {
        var constraint = Start(allowEos: false, labels: ["car"]);
        foreach (var id in new[] { Loc + 1, Loc + 2, Loc + 3, Loc + 4, Car })
            Pick(constraint, 64, id);
        var search = new GreedySearch(Eos, suppressEos: true);
        Assert.Equal(SpacedSemicolon, search.Next(Logits(PaliGemmaTokens.Eos, SpacedSemicolon), constraint, 64).Id);
        constraint.Advance(SpacedSemicolon);
        Assert.True(Start(allowEos: false, labels: ["car"]).AllowsOnlyEnd(3));
    }

    [Fact]
    public void SegmentAnswers_HaveSixteenCodesBetweenBoxAndLabel()
    {
        var constraint = Start(segment: true, labels: ["cat"]);
        foreach (var id in new[] { Loc + 1, Loc + 2, Loc + 3, Loc + 4 })
            Pick(constraint, 64, id);
        for (var k = 0; k < 16; k++)
            Assert.Equal(Seg + k, Pick(constraint, 64, 4401, Loc + 7, Seg + k).Id);
        Assert.Equal(4401, Pick(constraint, 64, Seg + 1, 4401).Id); // " cat"
        Assert.True(Start(segment: true, labels: ["cat"]).AllowsOnlyEnd(20));
    }

    [Fact]
    public void Probability_IsTheModelsOwn_NotRenormalisedOverTheAllowedIds()
    {
        var constraint = Start(labels: ["car"]);
        var logits = Logits(42, Loc + 3); // the model prefers text (10) to the location (9)
        var token = new GreedySearch(Eos).Next(logits, constraint, 64);
        Assert.Equal(Loc + 3, token.Id);
        var expected = MathF.Exp(9f) / (MathF.Exp(10f) + MathF.Exp(9f) + ((PaliGemmaTokens.FirstNonGenerable - 2) * MathF.Exp(-5f)));
        Assert.Equal(expected, token.Probability, 4);
    }

    [Fact]
    public void MaskingAndAdvancing_AllocateNothing()
    {
        var constraint = Start(labels: ["car", "traffic light"]);
        var logits = Logits(Loc + 1);
        int[] answer = [Loc + 100, Loc + 200, Loc + 600, Loc + 700, Traffic, Light, SpacedSemicolon, Space, Loc + 1, Loc + 2, Loc + 3, Loc + 4, Car];
        constraint.Mask(logits, 64); // warm up
        constraint = Start(labels: ["car", "traffic light"]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var id in answer)
        {
            constraint.AllowsOnlyEnd(64);
            constraint.Mask(logits, 64);
            constraint.Advance(id);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void LabelsWithoutText_AreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => DetectionGrammar.Build([" ", ""], segment: false, gemma.Tokenizer));
        Assert.Contains("at least one label", e.Message, StringComparison.Ordinal);
    }
}
