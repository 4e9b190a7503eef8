using EdgePali.Quantize.Builders;
using EdgePali.Vision.Inference;
using Xunit.Abstractions;

namespace EdgePali.Quantize.Tests.Quantization;

/// <summary>
/// int8 and int4 against fp32 on the tiny PaliGemma 1 checkpoint (heavy-tailed weights with outlier input
/// channels, and the planted next-token memory that gives it a trained model's peaked logits): fp32 generates
/// greedily from several images and task prompts; both variants then prefill prompt + generated text
/// (teacher-forced) and must pick the same top-1 next token at every position where an answer token is
/// predicted. Also reported: the logits' cosine similarity there, and top-1 over the prompt's own positions
/// (image and text), which nothing ever samples from and where the model is as unsure as a real one on
/// random tokens. Measured figures are in docs/quantize.md.
/// </summary>
[Collection(TinyPaliGemma1Shared.Name)]
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class QuantizationAgreementTests(TinyPaliGemma1Packages packages, ITestOutputHelper output)
{
    private const int Images = 4;
    private const int AnswerTokens = 20;

    /// <summary>The goal for int8.</summary>
    private const double MinimumInt8Agreement = 0.98;

    /// <summary>
    /// int4 (4-bit asymmetric blocks of 32 in the decoder and LM head) is expected to lose more; this bound is a
    /// little under what is measured (docs/quantize.md), so a broken int4 path (near 0 %) or a regression fails.
    /// </summary>
    private const double MinimumInt4Agreement = 0.90;

    /// <summary>Token ids of the prompts "caption en", "answer en what is on the table?", "detect car ; person", "ocr".</summary>
    private static readonly long[][] Prefixes = [[21209, 659], [13072, 659, 1212, 603, 611, 573, 3037, 235336], [39208, 1226, 2161, 1552], [120185]];

    [Fact]
    public void Int8_AgreesWithFp32_OnTop1NextToken_AtLeast98Percent()
    {
        var result = Measure(packages.Int8Dir, WeightFormat.Int8);
        Assert.True(result.Positions >= 300, $"only {result.Positions} positions");
        // A model stuck on one token (e.g. repeating "\n") would make agreement trivially 100 %.
        Assert.True(result.DistinctAnswerTokens >= 40, $"fp32 greedy output used only {result.DistinctAnswerTokens} distinct ids");
        Assert.True(result.MostFrequentShare <= 0.2, $"one id is {result.MostFrequentShare:P0} of the greedy output");
        Assert.True(result.Top1 >= MinimumInt8Agreement, $"int8 top-1 agreement {result.Top1:P2} < {MinimumInt8Agreement:P0} over {result.Positions} positions");
    }

    [Fact]
    public async Task Int4_AgreesWithFp32_OnTop1NextToken()
    {
        var int4Dir = Path.Combine(packages.Scratch, "int4");
        await PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, int4Dir, WeightFormat.Int4, Logits: DecoderLogits.AllPositions));
        var result = Measure(int4Dir, WeightFormat.Int4);
        Assert.True(result.Top1 >= MinimumInt4Agreement, $"int4 top-1 agreement {result.Top1:P2} < {MinimumInt4Agreement:P0} over {result.Positions} positions");
    }

    /// <summary>
    /// w8a8 (int8 weights per output channel, smoothed per input channel; activations int8 per token; MatMulInteger)
    /// must keep the int8 goal: the per-channel scales span all of K, so without the smoothing the outlier columns
    /// cost it about 1.5 points (docs/quantize.md), and a per-tensor activation scale about 6.
    /// </summary>
    [Fact]
    public async Task W8A8_AgreesWithFp32_OnTop1NextToken_AtLeast98Percent()
    {
        var dir = Path.Combine(packages.Scratch, "w8a8");
        await PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, dir, WeightFormat.W8A8, Logits: DecoderLogits.AllPositions));
        var result = Measure(dir, WeightFormat.W8A8);
        Assert.True(result.Top1 >= MinimumInt8Agreement, $"w8a8 top-1 agreement {result.Top1:P2} < {MinimumInt8Agreement:P0} over {result.Positions} positions");
        Assert.True(result.CosineMean >= 0.9995, $"w8a8 logits cosine {result.CosineMean:F6} < 0.9995");
    }

    /// <summary>
    /// Mixed precision (`--mix` over `--weights`): top-1 agreement vs fp32 at the answer positions, each bound a little
    /// under the measured figure (docs/quantize.md "Mixed precision"), so a rule that lands on the wrong layers fails.
    /// </summary>
    [Theory]
    [InlineData("int8", "decoder.mlp=int4", 0.945)]
    [InlineData("int8", "decoder.attention=int4", 0.97)]
    [InlineData("int4", "lm_head=int8", 0.935)]
    [InlineData("int4", "decoder.layers.1.mlp=int8", 0.94)]
    [InlineData("int8", "vision=int4,projector=int4", 0.955)]
    public async Task MixedPrecision_AgreesWithFp32_OnTop1NextToken(string weights, string mix, double minimum)
    {
        var format = weights == "int4" ? WeightFormat.Int4 : WeightFormat.Int8;
        var dir = Path.Combine(packages.Scratch, "mix-" + Guid.NewGuid().ToString("N"));
        await PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, dir, format, Logits: DecoderLogits.AllPositions, Mix: mix));
        var result = Measure(dir, format, $"{weights} --mix {mix}");
        Assert.True(result.Top1 >= minimum, $"{weights} --mix {mix}: top-1 agreement {result.Top1:P2} < {minimum:P2} over {result.Positions} positions");
    }

    private Agreement Measure(string candidateDir, WeightFormat format, string? label = null)
    {
        var config = packages.Config;
        var (t, v) = (config.Text, config.Vision);
        using var fp32 = new PackageRunner(packages.Fp32Dir, WeightFormat.Fp32);
        using var candidate = new PackageRunner(candidateDir, format);
        var random = new Random(11);
        int positions = 0, agreed = 0, promptPositions = 0, promptAgreed = 0;
        double cosineSum = 0, cosineMin = 1;
        var answers = new List<int>();
        for (var image = 0; image < Images; image++)
        {
            var pixels = Enumerable.Range(0, 3 * v.ImageSize * v.ImageSize).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
            var referenceFeatures = fp32.ImageFeatures(pixels, v.ImageSize);
            var candidateFeatures = candidate.ImageFeatures(pixels, v.ImageSize);
            foreach (var prefix in Prefixes)
            {
                long[] prompt = [.. Enumerable.Repeat((long)config.ImageTokenId, v.ImageTokenCount), 2, .. prefix, 108];
                var answer = Greedy(fp32, prompt, referenceFeatures);
                answers.AddRange(answer.Select(id => (int)id));
                long[] ids = [.. prompt, .. answer];
                var pos = Enumerable.Range(1, ids.Length).Select(i => (long)i).ToArray();
                var a = fp32.Decode(fp32.PromptEmbeddings(ids, referenceFeatures, t.HiddenSize, config.ImageTokenId), pos, new KvState(t.LayerCount, t.KeyValueHeads, t.HeadDim));
                var b = candidate.Decode(candidate.PromptEmbeddings(ids, candidateFeatures, t.HiddenSize, config.ImageTokenId), pos, new KvState(t.LayerCount, t.KeyValueHeads, t.HeadDim));
                for (var i = 0; i < ids.Length; i++)
                {
                    var ra = a.AsSpan(i * t.VocabSize, t.VocabSize);
                    var rb = b.AsSpan(i * t.VocabSize, t.VocabSize);
                    var same = ReferenceComparison.ArgmaxGenerable(ra) == ReferenceComparison.ArgmaxGenerable(rb);
                    if (i < prompt.Length - 1)
                    {
                        // Predictions inside the prompt: never used by generation.
                        promptPositions++;
                        promptAgreed += same ? 1 : 0;
                        continue;
                    }

                    positions++;
                    agreed += same ? 1 : 0;
                    var cosine = ImageFeatures.CosineSimilarity(ra, rb);
                    cosineSum += cosine;
                    cosineMin = Math.Min(cosineMin, cosine);
                }
            }
        }

        var result = new Agreement(
            positions,
            (double)agreed / positions,
            cosineSum / positions,
            cosineMin,
            (double)promptAgreed / promptPositions,
            answers.Distinct().Count(),
            answers.GroupBy(id => id).Max(g => g.Count()) / (double)answers.Count);
        output.WriteLine($"{label ?? format.CliName()} vs fp32 ({DirectoryBytes(candidateDir) / 1e6:F2} MB): top-1 {result.Top1:P2} over {positions} answer positions, logits cosine mean {result.CosineMean:F6} min {result.CosineMin:F6}; "
            + $"prompt positions top-1 {result.PromptTop1:P2} over {promptPositions}; fp32 answers: {result.DistinctAnswerTokens} distinct ids of {answers.Count}, most frequent {result.MostFrequentShare:P1}");
        return result;
    }

    /// <summary>fp32 greedy continuation (generable ids only, up to <see cref="AnswerTokens"/>, stopping after eos).</summary>
    private long[] Greedy(PackageRunner runner, long[] prompt, float[] features)
    {
        var config = packages.Config;
        var t = config.Text;
        var cache = new KvState(t.LayerCount, t.KeyValueHeads, t.HeadDim);
        var logits = runner.Decode(runner.PromptEmbeddings(prompt, features, t.HiddenSize, config.ImageTokenId), [.. Enumerable.Range(1, prompt.Length).Select(i => (long)i)], cache);
        var last = logits.AsSpan((prompt.Length - 1) * t.VocabSize, t.VocabSize).ToArray();
        var answer = new List<long>();
        while (answer.Count < AnswerTokens)
        {
            var next = ReferenceComparison.ArgmaxGenerable(last);
            answer.Add(next);
            if (next == Vision.PaliGemmaTokens.Eos)
                break;
            last = runner.Decode(runner.Embed([next]), [prompt.Length + answer.Count], cache);
        }

        return [.. answer];
    }

    private static long DirectoryBytes(string dir) => new DirectoryInfo(Path.Combine(dir, "onnx")).EnumerateFiles().Sum(f => f.Length);

    private sealed record Agreement(int Positions, double Top1, double CosineMean, double CosineMin, double PromptTop1, int DistinctAnswerTokens, double MostFrequentShare);
}
