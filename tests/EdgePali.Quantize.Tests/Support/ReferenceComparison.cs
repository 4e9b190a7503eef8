using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>The built fp32 graphs reproduce the naive reference forward pass: prefill, then decode steps with the KV cache.</summary>
internal static class ReferenceComparison
{
    public const double MaxRelativeError = 1e-4;
    public const int DecodeSteps = 4;

    public static void AssertFp32MatchesReference(TinyPackages packages, GraphLayout layout = GraphLayout.Standard)
    {
        var config = packages.Config;
        var (t, v) = (config.Text, config.Vision);
        using var checkpoint = Checkpoint.Open(packages.CheckpointDir);
        var reference = new ReferencePaliGemma(checkpoint);
        using var runner = new PackageRunner(layout == GraphLayout.Fused ? packages.FusedFp32Dir : packages.Fp32Dir, WeightFormat.Fp32);

        var random = new Random(3);
        var pixels = Enumerable.Range(0, 3 * v.ImageSize * v.ImageSize).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        long[] ids = [.. Enumerable.Repeat((long)config.ImageTokenId, v.ImageTokenCount), 2, 21209, 659, 108];

        var referenceFeatures = reference.ImageFeatures(pixels);
        var features = runner.ImageFeatures(pixels, v.ImageSize);
        AssertClose(referenceFeatures.SelectMany(r => r).ToArray(), features, "image_features");

        // Prefill: the whole prompt at once, positions 1..T.
        var positions = Enumerable.Range(1, ids.Length).Select(i => (long)i).ToArray();
        var embeds = runner.PromptEmbeddings(ids, features, t.HiddenSize, config.ImageTokenId);
        var referenceEmbeds = ids.Select((id, i) => i < v.ImageTokenCount ? referenceFeatures[i] : reference.Embedding(id)).ToArray();
        var cache = new KvState(t.LayerCount, t.KeyValueHeads, t.HeadDim);
        var referenceCache = new ReferencePaliGemma.Cache(t.LayerCount);
        var logits = runner.Decode(embeds, positions, cache);
        var referenceLogits = reference.Decode(referenceEmbeds, positions, referenceCache);
        AssertClose(referenceLogits.SelectMany(r => r).ToArray(), logits, "prefill logits");

        // Decode steps: one token each, attending to the whole cache.
        var last = logits.AsSpan((ids.Length - 1) * t.VocabSize, t.VocabSize).ToArray();
        for (var step = 0; step < DecodeSteps; step++)
        {
            var next = ArgmaxGenerable(last);
            var position = (long)(ids.Length + step + 1);
            last = runner.Decode(runner.Embed([next]), [position], cache);
            var referenceStep = reference.Decode([reference.Embedding(next)], [position], referenceCache);
            AssertClose(referenceStep[0], last, $"decode step {step + 1} logits");
        }

        Assert.Equal(ids.Length + DecodeSteps, cache.Length);
    }

    public static int ArgmaxGenerable(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < Vision.PaliGemmaTokens.FirstNonGenerable; i++)
        {
            if (logits[i] > logits[best])
                best = i;
        }

        return best;
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0, maxRef = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - actual[i]));
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
        }

        var relative = maxDiff / maxRef;
        Assert.True(relative <= MaxRelativeError, $"{what}: max |graph - reference| / max |reference| = {relative:E2} > {MaxRelativeError:E0}");
    }
}
