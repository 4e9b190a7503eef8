using EdgePali.Vision.Inference;

namespace EdgePali.Vision.Tests.Inference;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class GreedySearchTests
{
    [Fact]
    public void Select_NeverPicksImageOrPaddedRows()
    {
        var logits = new float[257216];
        logits[42] = 3f;
        logits[PaliGemmaTokens.Image] = 100f;
        logits[257200] = 50f;
        var token = GreedySearch.Select(logits);
        Assert.Equal(42, token.Id);
    }

    [Fact]
    public void Select_ReportsSoftmaxProbabilityOverAllowedIds()
    {
        var logits = new float[PaliGemmaTokens.FirstNonGenerable + 10];
        Array.Fill(logits, -1000f);
        logits[5] = 2f;
        logits[7] = 1f;
        logits[^1] = 10f; // masked: must not take probability mass
        var token = GreedySearch.Select(logits);
        Assert.Equal(5, token.Id);
        Assert.Equal(1 / (1 + MathF.Exp(-1)), token.Probability, 5);
    }

    [Fact]
    public void Select_TieGoesToLowestId()
    {
        var logits = new float[100];
        logits[10] = 1f;
        logits[20] = 1f;
        Assert.Equal(10, GreedySearch.Select(logits).Id);
    }

    [Fact]
    public void IsEos_UsesConfiguredIds()
    {
        var search = new GreedySearch([1, 107]);
        Assert.True(search.IsEos(107));
        Assert.False(search.IsEos(2));
    }

    [Fact]
    public void Next_WithEosSuppressed_PicksTheBestOtherTokenAndNeverStops()
    {
        var logits = new float[PaliGemmaTokens.FirstNonGenerable];
        Array.Fill(logits, -1000f);
        logits[PaliGemmaTokens.Eos] = 5f;
        logits[9] = 2f;
        logits[11] = 1f;
        var search = new GreedySearch([PaliGemmaTokens.Eos], suppressEos: true);
        var token = search.Next(logits);
        Assert.Equal(9, token.Id);
        // eos takes no probability mass, as if its logit were -inf (transformers.js min_new_tokens).
        Assert.Equal(1 / (1 + MathF.Exp(-1)), token.Probability, 5);
        Assert.False(search.IsEos(PaliGemmaTokens.Eos));
    }

    [Fact]
    public void Next_WithoutSuppression_IsSelect()
    {
        var logits = new float[100];
        logits[PaliGemmaTokens.Eos] = 5f;
        logits[9] = 2f;
        var search = new GreedySearch([PaliGemmaTokens.Eos]);
        Assert.Equal(PaliGemmaTokens.Eos, search.Next(logits).Id);
        Assert.True(search.IsEos(PaliGemmaTokens.Eos));
    }
}
