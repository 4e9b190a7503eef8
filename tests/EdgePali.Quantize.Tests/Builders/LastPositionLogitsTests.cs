using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Tests.Support;
using EdgePali.Vision.Packages;
using Microsoft.ML.OnnxRuntime;

namespace EdgePali.Quantize.Tests.Builders;

/// <summary>
/// The default build computes logits for the last position only, and runs the last layer's attention output and MLP
/// on that position alone: its prefill gives one row equal to the last row of the all-positions package built from
/// the same checkpoint, its KV cache (every position, first and last layer checked) is the same, and so are its decode steps. For
/// both graph layouts, and for PaliGemma 2 (post-attention/post-MLP norms, soft-caps) as well as 1.
/// </summary>
[Collection(TinyPaliGemma1Shared.Name)]
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class LastPositionLogitsTests(TinyPaliGemma1Packages packages)
{
    [Theory]
    [InlineData(GraphLayout.Standard)]
    [InlineData(GraphLayout.Fused)]
    public Task DefaultBuild_PrefillLogitsAreTheLastRowOfTheAllPositionsBuild(GraphLayout layout) =>
        LastPositionLogits.AssertMatchesAllPositionsAsync(packages, layout);
}

[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class PaliGemma2LastPositionLogitsTests(TinyPaliGemma2Packages packages) : IClassFixture<TinyPaliGemma2Packages>
{
    [Theory]
    [InlineData(GraphLayout.Standard)]
    [InlineData(GraphLayout.Fused)]
    public Task DefaultBuild_PrefillLogitsAreTheLastRowOfTheAllPositionsBuild(GraphLayout layout) =>
        LastPositionLogits.AssertMatchesAllPositionsAsync(packages, layout);
}

internal static class LastPositionLogits
{
    public static async Task AssertMatchesAllPositionsAsync(TinyPackages packages, GraphLayout layout)
    {
        var lastDir = Path.Combine(packages.Scratch, $"fp32-last-position-{layout}");
        var result = await PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, lastDir, WeightFormat.Fp32, Graph: layout));
        var allDir = layout == GraphLayout.Fused ? packages.FusedFp32Dir : packages.Fp32Dir;
        Assert.Equal("last", result.Manifest.DecoderLogits);
        Assert.Equal("all", PackageManifest.Read(allDir).DecoderLogits);

        var config = packages.Config;
        var (t, v) = (config.Text, config.Vision);
        using (var session = new InferenceSession(Path.Combine(lastDir, PackageFiles.GraphPath(ModelPart.Decoder, WeightFormat.Fp32.Variant()))))
        {
            var dims = session.OutputMetadata["logits"].Dimensions;
            Assert.Equal([-1, 1, t.VocabSize], dims);
        }

        using var all = new PackageRunner(allDir, WeightFormat.Fp32);
        using var last = new PackageRunner(lastDir, WeightFormat.Fp32);
        var random = new Random(5);
        var pixels = Enumerable.Range(0, 3 * v.ImageSize * v.ImageSize).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        long[] ids = [.. Enumerable.Repeat((long)config.ImageTokenId, v.ImageTokenCount), 2, 21209, 659, 108];
        var positions = Enumerable.Range(1, ids.Length).Select(i => (long)i).ToArray();
        var embeds = all.PromptEmbeddings(ids, all.ImageFeatures(pixels, v.ImageSize), t.HiddenSize, config.ImageTokenId);
        var allCache = new KvState(t.LayerCount, t.KeyValueHeads, t.HeadDim);
        var lastCache = new KvState(t.LayerCount, t.KeyValueHeads, t.HeadDim);

        var allLogits = all.Decode(embeds, positions, allCache);
        var lastLogits = last.Decode(embeds, positions, lastCache);
        Assert.Equal(ids.Length * t.VocabSize, allLogits.Length);
        Assert.Equal(t.VocabSize, lastLogits.Length);
        AssertNearlyEqual(allLogits.AsSpan((ids.Length - 1) * t.VocabSize), lastLogits, "prefill");

        Assert.Equal(allCache.Keys[0], lastCache.Keys[0]);

        // The last layer still writes K/V for every position: the pruned rows are only those after attention.
        var lastLayer = t.LayerCount - 1;
        Assert.Equal(allCache.Keys[lastLayer].Length, lastCache.Keys[lastLayer].Length);
        AssertNearlyEqual(allCache.Keys[lastLayer], lastCache.Keys[lastLayer], "last layer keys");
        AssertNearlyEqual(allCache.Values[lastLayer], lastCache.Values[lastLayer], "last layer values");

        var next = ReferenceComparison.ArgmaxGenerable(lastLogits);
        var step = new long[] { ids.Length + 1 };
        AssertNearlyEqual(all.Decode(all.Embed([next]), step, allCache), last.Decode(last.Embed([next]), step, lastCache), "decode step");
    }

    private static void AssertNearlyEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0, maxAbs = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - actual[i]));
            maxAbs = Math.Max(maxAbs, Math.Abs(expected[i]));
        }

        Assert.True(maxDiff <= 1e-5 * maxAbs, $"{what}: max difference {maxDiff:E2} (max |logit| {maxAbs:E2})");
    }
}
