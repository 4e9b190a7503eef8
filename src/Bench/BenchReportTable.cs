using Spectre.Console;

namespace EdgePali.Bench;

/// <summary>The terminal form of a <see cref="BenchmarkReport"/>: machine, model, a stage table and the bandwidth bound.</summary>
public static class BenchReportTable
{
    public static void Write(IAnsiConsole console, BenchmarkReport report)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(report);
        var m = report.Machine;
        var s = report.Settings;
        var model = report.Model;
        console.MarkupLineInterpolated($"[bold]Machine[/]  {m.CpuModel}, {m.LogicalCores} cores, {Gib(m.TotalMemoryBytes)} RAM, {m.Architecture}, ONNX Runtime {m.OnnxRuntimeVersion}, {s.Threads} threads");
        console.MarkupLineInterpolated($"[bold]Load[/]     average {Load(m.LoadAverage)} at start, {Load(report.LoadAverageAtEnd)} at end");
        console.MarkupLineInterpolated($"[bold]Model[/]    {model.Directory} ({model.Family}, {model.Variant}, {model.ImageSize}px, {Gib(model.DiskBytes)} on disk)");
        console.MarkupLineInterpolated($"[bold]Run[/]      \"{s.Prompt}\" on a {BenchFrame.Width}x{BenchFrame.Height} frame, {model.PromptTokens} prompt tokens, {report.EdgePali.GeneratedTokens} new tokens (eos ignored), {s.Warmup} warm-up + {s.Repetitions} measured runs");
        if (report.PackageBuild is { } build)
        {
            console.MarkupLineInterpolated($"[bold]Built[/]    checkpoint {build.CheckpointSeconds:F0} s, package {build.BuildSeconds:F0} s (this run)");
        }

        var js = report.TransformersJs;
        // Medians with min and max; "first token" is vision + prefill for EdgePali, transformers.js' time to its first token.
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Stage");
        table.AddColumn(new TableColumn("EdgePali").RightAligned());
        table.AddColumn(new TableColumn("min").RightAligned());
        table.AddColumn(new TableColumn("max").RightAligned());
        if (js is not null)
        {
            table.AddColumn(new TableColumn("transformers.js").RightAligned());
            table.AddColumn(new TableColumn("js/ours").RightAligned());
        }

        var e = report.EdgePali;
        var visionPrefill = e.VisionMs.Median + e.PrefillMs.Median;
        Row(table, js, "load (ms)", Single(e.LoadMs), js?.LoadMs);
        Row(table, js, "checksums (ms)", Single(e.ChecksumMs), null);
        Row(table, js, $"preprocess {BenchFrame.Height}p (ms)", e.PreprocessMs, js?.PreprocessMs.Median);
        Row(table, js, "vision (ms)", e.VisionMs, null);
        Row(table, js, $"prefill {model.PromptTokens} tok (ms)", e.PrefillMs, null);
        Row(table, js, "first token (ms)", Single(visionPrefill), js?.FirstTokenMs.Median);
        Row(table, js, "decode (ms/token)", e.DecodeMsPerToken, js?.DecodeMsPerToken.Median);
        Row(table, js, "decode (tok/s)", e.DecodeTokensPerSecond, js?.DecodeTokensPerSecond.Median, higherIsBetter: true);
        Row(table, js, $"end-to-end {e.GeneratedTokens} tok (ms)", e.EndToEndMs, js?.EndToEndMs.Median);
        table.AddRow(Cells(js, "RSS warm", Gib(e.RssLoadedBytes), "", "", "", ""));
        table.AddRow(Cells(js, "peak RSS", Gib(e.PeakRssBytes), "", "", js is null ? "" : Gib(js.PeakRssBytes), js is null ? "" : $"{(double)js.PeakRssBytes / e.PeakRssBytes:F2}x"));
        console.Write(table);

        var b = report.Bandwidth;
        console.MarkupLineInterpolated($"[bold]Memory read bandwidth[/] {b.GigabytesPerSecond:F1} GB/s ({b.Threads} threads streaming {Gib(b.BufferBytes)})");
        console.MarkupLineInterpolated($"[bold]Bytes per token assumed[/] {b.BytesPerToken / 1e9:F3} GB = all {model.DecoderWeights.Initializers} decoder initializers incl. the LM head (largest: {model.DecoderWeights.LargestName}, {model.DecoderWeights.LargestBytes / 1e6:F0} MB)");
        console.MarkupLineInterpolated($"[bold]Decode vs bandwidth bound[/] {e.DecodeTokensPerSecond.Median:F2} of at most {b.BoundTokensPerSecond:F2} tokens/s = {b.DecodePercentOfBound:F0}%");
        console.MarkupLineInterpolated($"[bold]Vision + prefill[/] {e.VisionPrefillCoreSeconds:F1} core-seconds ({s.Threads} threads); peak RSS / model on disk = {e.PeakRssToDiskRatio:F2}");
        if (js is not null)
        {
            console.MarkupLineInterpolated($"[bold]transformers.js[/] {js.TransformersJsVersion} with onnxruntime-node {js.OnnxRuntimeNodeVersion} on {js.ModelDirectory} ({js.Graph} graph)");
        }

        if (report.MultiTask is { } mt)
        {
            console.MarkupLineInterpolated($"[bold]Tasks on one frame[/] {string.Join(" + ", mt.Tasks)} (eos honoured, each task's token limit)");
            console.MarkupLineInterpolated($"  shared encode: {Format(mt.SharedMs.Median)} ms ({mt.VisionEncodesShared} vision encode); one encode per task: {Format(mt.SeparateMs.Median)} ms ({mt.VisionEncodesSeparate} encodes); saved {Format(mt.SeparateMs.Median - mt.SharedMs.Median)} ms");
            foreach (var c in mt.Constrained)
            {
                console.MarkupLineInterpolated($"  \"{c.Task}\" (limit {c.TokenLimit}): free {c.FreeTokens} tokens, {c.FreeObjects} objects{(c.FreeMalformed ? " (malformed parts skipped)" : "")}, decode {Format(c.FreeDecodeMs.Median)} ms; constrained {c.ConstrainedTokens} tokens, {c.ConstrainedObjects} objects, decode {Format(c.ConstrainedDecodeMs.Median)} ms; {c.TokensSaved} tokens saved");
            }
        }
    }

    private static SampleSummary Single(double value) => new(value, value, value, 1);

    private static void Row(Table table, TransformersJsFigures? js, string name, SampleSummary ours, double? theirs, bool higherIsBetter = false)
    {
        var ratio = theirs is { } t && ours.Median > 0 && t > 0 ? (higherIsBetter ? ours.Median / t : t / ours.Median) : (double?)null;
        var single = ours.Count == 1;
        table.AddRow(Cells(
            js,
            name,
            Format(ours.Median),
            single ? "" : Format(ours.Min),
            single ? "" : Format(ours.Max),
            theirs is { } v ? Format(v) : "",
            ratio is { } r ? $"{r:F2}x" : ""));
    }

    private static string[] Cells(TransformersJsFigures? js, string name, string median, string min, string max, string theirs, string ratio) =>
        js is null ? [Markup.Escape(name), median, min, max] : [Markup.Escape(name), median, min, max, theirs, ratio];

    private static string Format(double value) => value >= 100 ? $"{value:F0}" : value >= 10 ? $"{value:F1}" : $"{value:F2}";

    private static string Gib(long bytes) => bytes <= 0 ? "n/a" : $"{bytes / (1024.0 * 1024 * 1024):F2} GiB";

    private static string Load(IReadOnlyList<double> load) => load.Count == 0 ? "n/a" : string.Join(" ", load.Select(l => $"{l:F1}"));
}
