using EdgePali.Agent.Gating;

namespace EdgePali.Agent.Tests.Gating;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class FeatureSimilarityTests
{
    [Theory]
    [InlineData(new float[] { 1, 2, 3 }, new float[] { 2, 4, 6 }, 1.0)]
    [InlineData(new float[] { 1, 0 }, new float[] { 0, 1 }, 0.0)]
    [InlineData(new float[] { 1, 0 }, new float[] { -1, 0 }, -1.0)]
    [InlineData(new float[] { 1, 1 }, new float[] { 1, 0 }, 0.70710678)]
    [InlineData(new float[] { 0, 0 }, new float[] { 1, 0 }, 0.0)]
    [InlineData(new float[] { 1, 0 }, new float[] { 1, 0, 0 }, 0.0)]
    public void Cosine_MatchesDefinition(float[] a, float[] b, double expected)
    {
        Assert.Equal(expected, FeatureSimilarity.Cosine(a, b), 6);
    }
}
