using EdgePali.Vision.Inference;

namespace EdgePali.Vision.Tests.Inference;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class ImageFeaturesTests
{
    [Fact]
    public void CosineSimilarity_OfPooledFeatures()
    {
        var a = new ImageFeatures(2, 3);
        var b = new ImageFeatures(2, 3);
        a.Buffer[0] = 1; // pooled a = (1, 0, 1)
        a.Buffer[5] = 1;
        b.Buffer[0] = 2; // pooled b = (2, 0, 2): same direction
        b.Buffer[5] = 2;
        Assert.Equal(1f, a.CosineSimilarity(b), 5);
        b.Buffer[0] = 0;
        b.Buffer[5] = 0;
        b.Buffer[1] = 1; // pooled b = (0, 1, 0): orthogonal
        Assert.Equal(0f, a.CosineSimilarity(b), 5);
        Assert.Throws<ArgumentException>(() => a.CosineSimilarity(new ImageFeatures(3, 3)));
    }

    // The feature-similarity gate compares whole feature vectors with this overload.
    [Theory]
    [InlineData(new float[] { 1, 2, 3 }, new float[] { 2, 4, 6 }, 1.0)]
    [InlineData(new float[] { 1, 0 }, new float[] { 0, 1 }, 0.0)]
    [InlineData(new float[] { 1, 0 }, new float[] { -1, 0 }, -1.0)]
    [InlineData(new float[] { 1, 1 }, new float[] { 1, 0 }, 0.70710678)]
    [InlineData(new float[] { 0, 0 }, new float[] { 1, 0 }, 0.0)]
    [InlineData(new float[] { 1, 0 }, new float[] { 1, 0, 0 }, 0.0)]
    public void CosineSimilarity_OfVectors_MatchesDefinition(float[] a, float[] b, double expected)
    {
        Assert.Equal(expected, ImageFeatures.CosineSimilarity(a, b), 6);
    }

    [Fact]
    public void CosineSimilarity_OfSpans_MatchesADoubleReference_AndIsZeroWhenDegenerate()
    {
        var random = new Random(7);
        var a = new float[1152];
        var b = new float[1152];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = (float)(random.NextDouble() - 0.3);
            b[i] = a[i] + (float)((random.NextDouble() - 0.5) * 0.2);
        }

        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        Assert.Equal(dot / Math.Sqrt(na * nb), ImageFeatures.CosineSimilarity(a, b), 5);
        Assert.Equal(1f, ImageFeatures.CosineSimilarity(a, a), 5);
        Assert.Equal(-1f, ImageFeatures.CosineSimilarity(a, a.Select(x => -x).ToArray()), 5);
        Assert.Equal(0f, ImageFeatures.CosineSimilarity(a, new float[a.Length]));
        Assert.Equal(0f, ImageFeatures.CosineSimilarity(a, b.AsSpan(1)));
        Assert.Equal(0f, ImageFeatures.CosineSimilarity([], []));
    }
}
