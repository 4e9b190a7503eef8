using EdgePali.Quantize.Builders;
using EdgePali.Vision.Packages;
using Microsoft.ML.OnnxRuntime;

namespace EdgePali.Quantize.Tests.Builders;

/// <summary>
/// The default build computes logits for the last position only: its prefill gives one row equal to the last row of
/// the all-positions package built from the same checkpoint, and its decode steps match too.
/// </summary>
[Collection(TinyPaliGemma1Shared.Name)]
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class LastPositionLogitsTests(TinyPaliGemma1Packages packages)
{
    [Fact]
    public async Task DefaultBuild_PrefillLogitsAreTheLastRowOfTheAllPositionsBuild()
    {
        var lastDir = Path.Combine(packages.Scratch, "fp32-last-position");
        var result = await PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, lastDir, WeightFormat.Fp32));
        Assert.Equal("last", result.Manifest.DecoderLogits);
        Assert.Equal("all", PackageManifest.Read(packages.Fp32Dir).DecoderLogits);

        var config = packages.Config;
        var (t, v) = (config.Text, config.Vision);
        using (var session = new InferenceSession(Path.Combine(lastDir, PackageFiles.GraphPath(ModelPart.Decoder, WeightFormat.Fp32.Variant()))))
        {
            var dims = session.OutputMetadata["logits"].Dimensions;
            Assert.Equal([-1, 1, t.VocabSize], dims);
        }

        using var all = new PackageRunner(packages.Fp32Dir, WeightFormat.Fp32);
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
