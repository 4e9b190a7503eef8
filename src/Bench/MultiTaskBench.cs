using System.Diagnostics;
using EdgePali.Vision;
using EdgePali.Vision.Imaging;
using EdgePali.Vision.Tasks;

namespace EdgePali.Bench;

/// <summary>
/// Measures several tasks on one frame (`edgepali-bench --tasks caption,detect`): the worker's way (one vision encode,
/// then each task's language model on the shared features) against each task on its own (one encode per task), and
/// for detect and segment tasks the tokens constrained decoding saves. Runs on an engine that honours eos.
/// </summary>
public static class MultiTaskBench
{
    /// <summary>Default labels when a task is given by kind only ("detect", "segment").</summary>
    public static readonly IReadOnlyList<string> DefaultLabels = ["person", "car"];

    /// <summary>Parses "caption,detect" or "caption en,detect car ; person": a kind alone takes its default prompt.</summary>
    /// <exception cref="ArgumentException">An item is not a task.</exception>
    public static IReadOnlyList<VisionTask> ParseTasks(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var tasks = new List<VisionTask>();
        foreach (var item in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            tasks.Add(item switch
            {
                "detect" => new DetectTask(DefaultLabels),
                "segment" => new SegmentTask(DefaultLabels),
                _ => VisionTaskParser.Parse(item),
            });
        }

        return tasks.Count > 0 ? tasks : throw new ArgumentException("--tasks lists no task; give e.g. --tasks caption,detect.");
    }

    public static async Task<MultiTaskFigures> RunAsync(PaliGemmaEngine engine, ImageFrame frame, IReadOnlyList<VisionTask> tasks, int repetitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(tasks);
        var features = engine.CreateImageFeatures();
        var shared = new List<double>(repetitions);
        var separate = new List<double>(repetitions);
        long encodesShared = 0;
        long encodesSeparate = 0;
        var constrained = tasks.Where(ConstrainedDecoding.Applies).Select(_ => (Free: new List<AnalysisResult>(), Constrained: new List<AnalysisResult>())).ToList();
        for (var r = 0; r < repetitions; r++)
        {
            var encodes = engine.VisionEncodes;
            var start = Stopwatch.GetTimestamp();
            await engine.EncodeImageAsync(frame, features, cancellationToken).ConfigureAwait(false);
            foreach (var task in tasks)
                await engine.AnalyzeAsync(features, task, null, cancellationToken).ConfigureAwait(false);
            shared.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            encodesShared = engine.VisionEncodes - encodes;

            encodes = engine.VisionEncodes;
            start = Stopwatch.GetTimestamp();
            foreach (var task in tasks)
                await engine.AnalyzeAsync(frame, task, null, cancellationToken).ConfigureAwait(false);
            separate.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            encodesSeparate = engine.VisionEncodes - encodes;

            var k = 0;
            foreach (var task in tasks.Where(ConstrainedDecoding.Applies))
            {
                constrained[k].Free.Add(await engine.AnalyzeAsync(features, task.WithConstrained(false), null, cancellationToken).ConfigureAwait(false));
                constrained[k].Constrained.Add(await engine.AnalyzeAsync(features, task.WithConstrained(true), null, cancellationToken).ConfigureAwait(false));
                k++;
            }
        }

        var comparisons = tasks.Where(ConstrainedDecoding.Applies).Select((task, k) =>
        {
            // Greedy: every repetition generates the same tokens; only the times vary.
            var (free, con) = (constrained[k].Free[^1], constrained[k].Constrained[^1]);
            return new ConstrainedDecodingFigures(
                task.Prefix,
                task.DefaultMaxNewTokens,
                free.TokenIds.Count,
                con.TokenIds.Count,
                free.TokenIds.Count - con.TokenIds.Count,
                free.Objects.Count,
                con.Objects.Count,
                free.Note?.Contains("malformed", StringComparison.Ordinal) == true,
                SampleSummary.Of([.. constrained[k].Free.Select(a => a.Timings.DecodeMs)]),
                SampleSummary.Of([.. constrained[k].Constrained.Select(a => a.Timings.DecodeMs)]));
        }).ToList();
        return new MultiTaskFigures(
            [.. tasks.Select(t => t.Prefix)],
            SampleSummary.Of(shared),
            SampleSummary.Of(separate),
            encodesShared,
            encodesSeparate,
            comparisons);
    }
}
