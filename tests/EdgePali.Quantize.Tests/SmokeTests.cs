using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Tests.TestSupport;

namespace EdgePali.Quantize.Tests;

public sealed class SmokeTests(TinyPaliGemma1Packages packages) : IClassFixture<TinyPaliGemma1Packages>
{
    [Fact]
    public void Fp32Package_Runs()
    {
        using var runner = new PackageRunner(packages.Fp32Dir, WeightFormat.Fp32);
        var c = packages.Config;
        var features = runner.ImageFeatures(new float[3 * 56 * 56], 56);
        Assert.Equal(16 * 64, features.Length);
        var ids = Enumerable.Repeat(257152L, 16).Concat([2L, 21209, 659, 108]).ToArray();
        var embeds = runner.PromptEmbeddings(ids, features, 64, 257152);
        var kv = new KvState(c.Text.Layers, c.Text.KvHeads, c.Text.HeadDim);
        var logits = runner.Decode(embeds, Enumerable.Range(1, ids.Length).Select(i => (long)i).ToArray(), kv);
        Assert.Equal(ids.Length * 257216, logits.Length);
    }
}
