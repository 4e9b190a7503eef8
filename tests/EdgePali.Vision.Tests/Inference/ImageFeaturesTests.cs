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
}
