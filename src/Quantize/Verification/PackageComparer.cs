using EdgePali.Vision.Imaging;
using EdgePali.Vision.Inference;
using EdgePali.Vision.Packages;
using EdgePali.Vision.Tokenization;

namespace EdgePali.Quantize.Verification;

/// <summary>
/// `verify`: runs a reference and a candidate package on the same frames and prompts and measures how far the
/// candidate drifts (<see cref="VerifyReport"/>). Teacher forcing: the candidate is fed the reference's greedy
/// tokens, so one early disagreement does not make every later position count as a miss.
/// </summary>
public static class PackageComparer
{
    public static Task<VerifyReport> CompareAsync(VerifyOptions options, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Task.Run(() => Compare(options, progress, cancellationToken), cancellationToken);
    }

    private static VerifyReport Compare(VerifyOptions options, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        using var reference = Open(options.ReferenceDir, options.ReferenceVariant, "--reference");
        using var candidate = Open(options.CandidateDir, options.CandidateVariant, "--candidate");
        var config = reference.Config;
        if (candidate.Config.Vision.ImageSize != config.Vision.ImageSize || candidate.Config.Text.HiddenSize != config.Text.HiddenSize
            || candidate.Config.Text.VocabSize != config.Text.VocabSize)
        {
            throw new QuantizeException("The reference and candidate packages are different models (image size, hidden size or vocabulary differ).");
        }

        var tokenizer = GemmaTokenizer.FromDirectory(reference.Package.Directory);
        var preprocessor = new ImagePreprocessor(config.Vision.ImageSize, ImageNormalization.Create(
            config.Preprocessor.RescaleFactor, config.Preprocessor.ImageMean, config.Preprocessor.ImageStd));
        var frames = FrameSource.Load(options.Images, options.MaxImages);
        var prompts = options.Prompts is { Count: > 0 } p ? p : VerifyOptions.DefaultPrompts;
        var visionCosines = new List<double>();
        var logitCosines = new List<double>();
        int promptAgree = 0, promptTotal = 0, generatedAgree = 0, generatedTotal = 0, greedyEqual = 0;
        var pixels = new float[preprocessor.PixelValuesLength];
        var steps = frames.Count * (1 + prompts.Count);
        var done = 0;
        foreach (var frame in frames)
        {
            cancellationToken.ThrowIfCancellationRequested();
            preprocessor.Preprocess(frame, pixels);
            var refFeatures = reference.EncodeImage(pixels);
            var candFeatures = candidate.EncodeImage(pixels);
            visionCosines.Add(Cosine(refFeatures, candFeatures));
            progress?.Report((double)++done / steps);
            foreach (var prompt in prompts)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var ids = PromptIds(tokenizer, prompt, config);
                var refLogits = reference.Prefill(ids, refFeatures);
                var candLogits = candidate.Prefill(ids, candFeatures);
                // Packages built with last-position logits (the default) give one row, others one per prompt
                // position: compare the trailing positions both have.
                var vocab = config.Text.VocabSize;
                var rows = Math.Min(refLogits.Length, candLogits.Length) / vocab;
                var refRows = refLogits.AsSpan(refLogits.Length - (rows * vocab));
                var candRows = candLogits.AsSpan(candLogits.Length - (rows * vocab));
                logitCosines.Add(Cosine(refRows, candRows));
                for (var t = 0; t < rows; t++)
                {
                    promptAgree += PackageProbe.ArgMax(refRows.Slice(t * vocab, vocab)) == PackageProbe.ArgMax(candRows.Slice(t * vocab, vocab)) ? 1 : 0;
                    promptTotal++;
                }

                // Reference greedy output, with the candidate forced along the same tokens.
                var refNext = PackageProbe.ArgMax(refLogits.AsSpan(refLogits.Length - vocab));
                var candNext = PackageProbe.ArgMax(candLogits.AsSpan(candLogits.Length - vocab));
                var refTokens = new List<int>();
                var position = ids.Length;
                while (true)
                {
                    generatedAgree += refNext == candNext ? 1 : 0;
                    generatedTotal++;
                    if (reference.IsEos(refNext) || refTokens.Count + 1 >= options.MaxNewTokens)
                    {
                        refTokens.Add(refNext);
                        break;
                    }

                    refTokens.Add(refNext);
                    position++;
                    refNext = PackageProbe.ArgMax(reference.Step(refTokens[^1], position));
                    candNext = PackageProbe.ArgMax(candidate.Step(refTokens[^1], position));
                }

                greedyEqual += FreeGreedy(candidate, ids, candFeatures, options.MaxNewTokens).SequenceEqual(refTokens) ? 1 : 0;
                progress?.Report((double)++done / steps);
            }
        }

        var runs = frames.Count * prompts.Count;
        var report = new VerifyReport(
            Measure(reference),
            Measure(candidate),
            frames.Count,
            prompts.Count,
            visionCosines.Average(),
            visionCosines.Min(),
            logitCosines.Average(),
            logitCosines.Min(),
            (double)generatedAgree / generatedTotal,
            (double)promptAgree / promptTotal,
            generatedTotal,
            (double)greedyEqual / runs,
            []);
        return report with { Failures = Failures(report, options) };
    }

    private static List<string> Failures(VerifyReport r, VerifyOptions options)
    {
        var failures = new List<string>();
        if (options.MinCosine is double c)
        {
            if (r.VisionCosineMean < c)
                failures.Add($"vision feature cosine {r.VisionCosineMean:F5} < --min-cosine {c}");
            if (r.PrefillLogitsCosineMean < c)
                failures.Add($"prefill logits cosine {r.PrefillLogitsCosineMean:F5} < --min-cosine {c}");
        }

        if (options.MinTop1 is double t && r.Top1Agreement < t)
            failures.Add($"top-1 agreement {r.Top1Agreement:P2} < --min-top1 {t:P2}");
        return failures;
    }

    private static PackageProbe Open(string dir, string? variant, string option)
    {
        try
        {
            return new PackageProbe(dir, variant);
        }
        catch (ModelPackageException e)
        {
            throw new QuantizeException($"{option}: {e.Message}", e);
        }
    }

    private static List<int> FreeGreedy(PackageProbe probe, int[] ids, float[] features, int maxNewTokens)
    {
        var logits = probe.Prefill(ids, features);
        var tokens = new List<int>();
        var next = PackageProbe.ArgMax(logits.AsSpan(logits.Length - probe.Config.Text.VocabSize));
        var position = ids.Length;
        while (true)
        {
            tokens.Add(next);
            if (probe.IsEos(next) || tokens.Count >= maxNewTokens)
                return tokens;
            next = PackageProbe.ArgMax(probe.Step(next, ++position));
        }
    }

    /// <summary>"&lt;image&gt;" x N + &lt;bos&gt; + prefix + "\n", as the HF and transformers.js processors build it.</summary>
    internal static int[] PromptIds(GemmaTokenizer tokenizer, string prefix, PaliGemmaConfig config) =>
        [.. Enumerable.Repeat(config.ImageTokenId, config.ImageTokenCount), config.BosTokenId, .. tokenizer.Encode(prefix + "\n")];

    /// <summary>The engine's cosine, except that two all-zero vectors count as identical (1): the candidate reproduced them.</summary>
    internal static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        !a.ContainsAnyExcept(0f) && !b.ContainsAnyExcept(0f) ? 1 : ImageFeatures.CosineSimilarity(a, b);

    private static PackageMeasurement Measure(PackageProbe probe)
    {
        var dir = probe.Package.Directory;
        var bytes = Enum.GetValues<ModelPart>()
            .Select(probe.Package.PathOf)
            .SelectMany(p => new[] { p, p + "_data", p + ".data" })
            .Where(File.Exists)
            .Sum(p => new FileInfo(p).Length);
        return new PackageMeasurement(dir, probe.Package.Variant.Name, bytes, probe.VisionTime.MeanMs, probe.PrefillTime.MeanMs, probe.DecodeTime.MeanMs);
    }
}
