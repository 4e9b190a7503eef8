using System.Diagnostics;
using EdgePali.Vision;
using EdgePali.Vision.Imaging;
using EdgePali.Vision.Packages;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace EdgePali.Bench;

/// <summary>
/// Runs one benchmark: resolve (or build) the package, describe it and the machine, load the engine, warm up,
/// then repeat the caption run on the 1080p frame, interleaved with transformers.js when asked (alternating
/// which goes first, so slow drift of a shared machine hits both alike), and finally measure the memory
/// bandwidth (last, so its buffer does not inflate the peak RSS reported for the model).
/// </summary>
public static class BenchmarkRunner
{
    public static async Task<BenchmarkReport> RunAsync(BenchSettings settings, IAnsiConsole status, TextWriter? toolOutput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(status);
        var machine = MachineDescription.Detect();

        string directory;
        BenchmarkPackage.BuildCost? buildCost = null;
        if (settings.ModelDirectory is null)
        {
            (directory, buildCost) = await BenchmarkPackage.EnsureDefaultAsync(
                settings.Preset, settings.Weights, toolOutput, line => status.WriteLine(line), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            directory = Path.GetFullPath(settings.ModelDirectory);
        }

        var variant = settings.Weights.VariantName();
        var package = ModelPackage.Open(directory, variant);
        var checksumStart = Stopwatch.GetTimestamp();
        await package.VerifyChecksumsAsync(cancellationToken).ConfigureAwait(false);
        var checksumMs = Stopwatch.GetElapsedTime(checksumStart).TotalMilliseconds;
        var decoderWeights = DecoderWeightBytes.Read(package.PathOf(ModelPart.Decoder));
        var diskBytes = DiskBytes(package);

        // One file per process: parallel runs (tests) must not overwrite each other's frame.
        var framePath = Path.Combine(Path.GetTempPath(), $"edgepali-bench-frame-{Environment.ProcessId}.png");
        var frame = BenchFrame.WriteAndLoad(framePath);
        var task = VisionTaskParser.Parse(settings.Prompt);

        var options = new EngineOptions
        {
            ModelDirectory = directory,
            Variant = variant,
            VerifyChecksums = false,
            SuppressEos = true,
            MaxNewTokensLimit = Math.Max(512, settings.NewTokens),
            ExecutionProviders = new() { Tuning = { IntraOpThreads = settings.Threads } },
        };

        status.MarkupLineInterpolated($"Loading [bold]{directory}[/] ({variant}, {settings.Threads} threads)...");
        var loadStart = Stopwatch.GetTimestamp();
        var engine = await PaliGemmaEngine.LoadAsync(options, NullLogger.Instance, cancellationToken).ConfigureAwait(false);
        var loadMs = Stopwatch.GetElapsedTime(loadStart).TotalMilliseconds;
        TransformersJsBench? reference = null;
        var referenceGraph = PackageManifest.StandardGraph;
        try
        {
            if (settings.CompareTransformersJs)
            {
                var theirDirectory = settings.CompareModelDirectory is { } other ? Path.GetFullPath(other) : directory;
                var theirPackage = theirDirectory == directory ? package : ModelPackage.Open(theirDirectory, variant);
                if (TransformersJsPackage.Problem(package.Manifest, theirPackage.Manifest, theirDirectory, theirDirectory != directory) is { } problem)
                {
                    throw new InvalidOperationException(problem);
                }

                referenceGraph = theirPackage.Manifest?.GraphLayout ?? PackageManifest.StandardGraph;

                status.MarkupLineInterpolated($"Starting transformers.js (Node) on {(theirDirectory == directory ? "the same files" : theirDirectory)}...");
                reference = await TransformersJsBench.StartAsync(
                    theirDirectory, variant, framePath, task.Prefix, settings.NewTokens, settings.Threads, cancellationToken).ConfigureAwait(false);
            }

            var ours = new List<EdgePaliRun>(settings.Repetitions);
            var theirs = new List<TransformersJsRun>(settings.Repetitions);
            var promptTokens = 0;
            long rssLoaded = 0;
            await status.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new SpinnerColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var warm = ctx.AddTask("warm-up", maxValue: Math.Max(1, settings.Warmup));
                    for (var i = 0; i < settings.Warmup; i++)
                    {
                        await RunOnceAsync(engine, frame, task, settings.NewTokens, cancellationToken).ConfigureAwait(false);
                        if (reference is not null)
                        {
                            await reference.RunAsync(cancellationToken).ConfigureAwait(false);
                        }

                        warm.Increment(1);
                    }

                    warm.Value = warm.MaxValue;
                    rssLoaded = ProcessMemory.CurrentRssBytes();
                    var measured = ctx.AddTask("measured runs", maxValue: settings.Repetitions);
                    for (var i = 0; i < settings.Repetitions; i++)
                    {
                        var referenceFirst = reference is not null && i % 2 == 1;
                        if (referenceFirst)
                        {
                            theirs.Add(await reference!.RunAsync(cancellationToken).ConfigureAwait(false));
                        }

                        var (run, prompt) = await RunOnceAsync(engine, frame, task, settings.NewTokens, cancellationToken).ConfigureAwait(false);
                        ours.Add(run);
                        promptTokens = prompt;
                        if (reference is not null && !referenceFirst)
                        {
                            theirs.Add(await reference.RunAsync(cancellationToken).ConfigureAwait(false));
                        }

                        measured.Increment(1);
                    }
                }).ConfigureAwait(false);

            var peakRss = ProcessMemory.PeakRssBytes();
            var edgePali = Summarise(ours, loadMs, checksumMs, settings.Threads, rssLoaded, peakRss, diskBytes);
            TransformersJsFigures? js = null;
            TransformersJsRatios? ratios = null;
            if (reference is not null)
            {
                var jsPeak = await reference.QuitAsync(cancellationToken).ConfigureAwait(false);
                js = Summarise(theirs, reference, referenceGraph, jsPeak);
                ratios = new TransformersJsRatios(
                    js.EndToEndMs.Median / edgePali.EndToEndMs.Median,
                    js.PreprocessMs.Median / edgePali.PreprocessMs.Median,
                    js.FirstTokenMs.Median / (edgePali.VisionMs.Median + edgePali.PrefillMs.Median),
                    edgePali.DecodeMsPerToken.Median > 0 ? js.DecodeMsPerToken.Median / edgePali.DecodeMsPerToken.Median : 0);
            }

            // Free the model before the bandwidth buffer is allocated (DisposeAsync is idempotent, see finally).
            await engine.DisposeAsync().ConfigureAwait(false);
            MultiTaskFigures? multiTask = null;
            if (settings.Tasks is { } taskList)
            {
                multiTask = await RunTasksAsync(options, frame, MultiTaskBench.ParseTasks(taskList), settings, status, cancellationToken).ConfigureAwait(false);
            }

            status.MarkupLine("Measuring memory read bandwidth...");
            var bandwidth = MemoryBandwidthMeter.Measure(Environment.ProcessorCount);
            var boundTokensPerSecond = bandwidth.BytesPerSecond / decoderWeights.Bytes;
            var bound = new BandwidthBound(
                bandwidth.GigabytesPerSecond,
                bandwidth.BufferBytes,
                bandwidth.Threads,
                decoderWeights.Bytes,
                boundTokensPerSecond,
                100 * edgePali.DecodeTokensPerSecond.Median / boundTokensPerSecond);

            var model = new BenchModelDescription(
                directory,
                package.Config.Family.ToString(),
                variant,
                package.Config.Vision.ImageSize,
                package.Config.ImageTokenCount,
                promptTokens,
                package.Config.Text.LayerCount,
                package.Config.Text.HiddenSize,
                diskBytes,
                decoderWeights);
            return new BenchmarkReport(machine, settings, model, edgePali, bound, js, ratios, buildCost, MachineDescription.LoadAverageNow(), multiTask);
        }
        finally
        {
            if (reference is not null)
            {
                await reference.DisposeAsync().ConfigureAwait(false);
            }

            await engine.DisposeAsync().ConfigureAwait(false);

            File.Delete(framePath);
        }
    }

    /// <summary>The --tasks runs, on a second engine that honours eos (the main runs suppress it to compare fixed lengths).</summary>
    private static async Task<MultiTaskFigures> RunTasksAsync(
        EngineOptions mainOptions, ImageFrame frame, IReadOnlyList<VisionTask> tasks, BenchSettings settings, IAnsiConsole status, CancellationToken cancellationToken)
    {
        status.MarkupLineInterpolated($"Running {tasks.Count} tasks on one frame (eos honoured): {string.Join(", ", tasks.Select(t => t.Prefix))}...");
        var options = new EngineOptions
        {
            ModelDirectory = mainOptions.ModelDirectory,
            Variant = mainOptions.Variant,
            VerifyChecksums = false,
            ExecutionProviders = mainOptions.ExecutionProviders,
        };
        var engine = await PaliGemmaEngine.LoadAsync(options, NullLogger.Instance, cancellationToken).ConfigureAwait(false);
        await using (engine.ConfigureAwait(false))
        {
            if (settings.Warmup > 0)
            {
                await MultiTaskBench.RunAsync(engine, frame, tasks, 1, cancellationToken).ConfigureAwait(false);
            }

            return await MultiTaskBench.RunAsync(engine, frame, tasks, settings.Repetitions, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<(EdgePaliRun Run, int PromptTokens)> RunOnceAsync(PaliGemmaEngine engine, ImageFrame frame, VisionTask task, int newTokens, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await engine.AnalyzeAsync(frame, task, newTokens, cancellationToken).ConfigureAwait(false);
        var endToEnd = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var t = result.Timings;
        return (new EdgePaliRun(t.PreprocessMs, t.VisionMs, t.PrefillMs, t.DecodeMs, t.GeneratedTokens, endToEnd), t.PromptTokens);
    }

    private static EdgePaliFigures Summarise(IReadOnlyList<EdgePaliRun> runs, double loadMs, double checksumMs, int threads, long rssLoaded, long peakRss, long diskBytes)
    {
        var vision = SampleSummary.Of([.. runs.Select(r => r.VisionMs)]);
        var prefill = SampleSummary.Of([.. runs.Select(r => r.PrefillMs)]);
        var decode = SampleSummary.Of([.. runs.Select(r => r.DecodeMsPerStep)]);
        return new EdgePaliFigures(
            loadMs,
            checksumMs,
            SampleSummary.Of([.. runs.Select(r => r.PreprocessMs)]),
            vision,
            prefill,
            decode,
            decode.Reciprocal(1000),
            SampleSummary.Of([.. runs.Select(r => r.EndToEndMs)]),
            runs[^1].GeneratedTokens,
            (vision.Median + prefill.Median) / 1000 * threads,
            rssLoaded,
            peakRss,
            diskBytes > 0 ? (double)peakRss / diskBytes : 0);
    }

    private static TransformersJsFigures Summarise(IReadOnlyList<TransformersJsRun> runs, TransformersJsBench reference, string graph, long peakRss)
    {
        var decode = SampleSummary.Of([.. runs.Select(r => r.GeneratedTokens > 1 ? r.DecodeMs / (r.GeneratedTokens - 1) : 0)]);
        return new TransformersJsFigures(
            reference.TransformersJsVersion,
            reference.OnnxRuntimeNodeVersion,
            reference.LoadMs,
            SampleSummary.Of([.. runs.Select(r => r.PreprocessMs)]),
            SampleSummary.Of([.. runs.Select(r => r.FirstTokenMs)]),
            decode,
            decode.Reciprocal(1000),
            SampleSummary.Of([.. runs.Select(r => r.EndToEndMs)]),
            runs[^1].GeneratedTokens,
            peakRss,
            reference.ModelDirectory,
            graph);
    }

    /// <summary>Bytes of the variant's three graphs and their external data.</summary>
    private static long DiskBytes(ModelPackage package)
    {
        long total = 0;
        foreach (var part in Enum.GetValues<ModelPart>())
        {
            var path = package.PathOf(part);
            foreach (var file in new[] { path, path + "_data", path + ".data" })
            {
                if (File.Exists(file))
                {
                    total += new FileInfo(file).Length;
                }
            }
        }

        return total;
    }
}
