using EdgePali.Vision;

namespace EdgePali.Vision.Tests;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class PaliGemmaTokensTests
{
    [Fact]
    public void SpecialTokenIds_MatchBigVisionLayout()
    {
        Assert.Equal(256000, PaliGemmaTokens.FirstLocation);
        Assert.Equal(257024, PaliGemmaTokens.FirstSegment);
        Assert.Equal(257152, PaliGemmaTokens.Image);
        Assert.True(PaliGemmaTokens.IsLocation(257023));
        Assert.False(PaliGemmaTokens.IsLocation(257024));
        Assert.True(PaliGemmaTokens.IsSegment(257151));
        Assert.False(PaliGemmaTokens.IsSegment(PaliGemmaTokens.Image));
    }
}
