using System.CommandLine;
using System.Text.Json;
using EdgePali.Quantize.Verification;
using Spectre.Console;

namespace EdgePali.Quantize.Commands;

/// <summary>
/// <c>edgepali-quantize verify --reference DIR --candidate DIR</c>: compares two packages on the same frames and
/// prompts; exit code 0 when every given threshold is met, 2 when one is missed, 1 on bad input.
/// </summary>
internal static class VerifyCommand
{
    private static readonly JsonSerializerOptions ReportJsonOptions = new() { WriteIndented = true };

    public const int BelowThreshold = 2;

    public static Command Create() => Create(AnsiConsole.Console);

    public static Command Create(IAnsiConsole console)
    {
        var reference = new Option<string>("--reference") { Description = "Reference package (usually the float one).", Required = true };
        var candidate = new Option<string>("--candidate") { Description = "Package to check against it.", Required = true };
        var referenceVariant = new Option<string?>("--reference-variant") { Description = "Variant of the reference (default: the engine's choice, int8 first, then q4, ..., fp32)." };
        var candidateVariant = new Option<string?>("--candidate-variant") { Description = "Variant of the candidate (default: the engine's choice)." };
        var images = new Option<string?>("--images") { Description = "Folder of images or a video file (default: generated scenes)." };
        var prompts = new Option<string?>("--prompts") { Description = "File with one task prefix per line (default: caption, describe, detect, answer)." };
        var maxImages = new Option<int>("--max-images") { Description = "Frames to use at most.", DefaultValueFactory = _ => 4 };
        var maxTokens = new Option<int>("--max-new-tokens") { Description = "Greedy tokens per prompt.", DefaultValueFactory = _ => 12 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var minCosine = new Option<double?>("--min-cosine") { Description = "Fail (exit 2) when the mean cosine of vision features or prefill logits is lower." };
        var minTop1 = new Option<double?>("--min-top1") { Description = "Fail (exit 2) when top-1 next-token agreement (0..1) is lower." };

        var command = new Command("verify", "Compare a quantised package with its reference: cosine per part, top-1 agreement, greedy equality, size, speed.")
        {
            reference, candidate, referenceVariant, candidateVariant, images, prompts, maxImages, maxTokens, json, minCosine, minTop1,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var promptFile = parse.GetValue(prompts);
                var options = new VerifyOptions(
                    parse.GetValue(reference)!,
                    parse.GetValue(candidate)!,
                    parse.GetValue(referenceVariant),
                    parse.GetValue(candidateVariant),
                    parse.GetValue(images),
                    promptFile is null ? null : ReadPrompts(promptFile),
                    parse.GetValue(maxImages),
                    parse.GetValue(maxTokens),
                    parse.GetValue(minCosine),
                    parse.GetValue(minTop1));
                var asJson = parse.GetValue(json);
                VerifyReport report;
                if (asJson)
                {
                    report = await PackageComparer.CompareAsync(options, null, cancellationToken);
                    console.Profile.Width = int.MaxValue / 2;
                    console.WriteLine(JsonSerializer.Serialize(report, ReportJsonOptions));
                }
                else
                {
                    report = await console.Progress()
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                        .StartAsync(async context =>
                        {
                            var task = context.AddTask("verify", maxValue: 1.0);
                            return await PackageComparer.CompareAsync(options, new Progress<double>(p => task.Value = p), cancellationToken);
                        });
                    Print(console, report);
                }

                return report.Passed ? 0 : BelowThreshold;
            }
            catch (Exception e) when (e is QuantizeException or IOException or UnauthorizedAccessException or Vision.Tokenization.TokenizerLoadException)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return 1;
            }
        });
        return command;
    }

    private static List<string> ReadPrompts(string path)
    {
        if (!File.Exists(path))
            throw new QuantizeException($"--prompts '{path}' does not exist.");
        var prompts = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        return prompts.Count > 0 ? prompts : throw new QuantizeException($"--prompts '{path}' has no prompts (one per line; # starts a comment).");
    }

    private static void Print(IAnsiConsole console, VerifyReport r)
    {
        var table = new Table().AddColumns("", "reference", "candidate");
        table.AddRow("package", Markup.Escape($"{r.Reference.Directory} ({r.Reference.Variant})"), Markup.Escape($"{r.Candidate.Directory} ({r.Candidate.Variant})"));
        table.AddRow("size on disk", $"{r.Reference.Bytes / 1048576.0:F1} MiB", $"{r.Candidate.Bytes / 1048576.0:F1} MiB");
        table.AddRow("vision encoder", $"{r.Reference.VisionMs:F1} ms", $"{r.Candidate.VisionMs:F1} ms");
        table.AddRow("prefill", $"{r.Reference.PrefillMs:F1} ms", $"{r.Candidate.PrefillMs:F1} ms");
        table.AddRow("decode", $"{r.Reference.DecodeMsPerToken:F2} ms/token", $"{r.Candidate.DecodeMsPerToken:F2} ms/token");
        console.Write(table);
        console.MarkupLine($"{r.Images} frames x {r.Prompts} prompts, {r.Positions} generated positions");
        console.MarkupLine($"vision_encoder features cosine: mean {r.VisionCosineMean:F5}, min {r.VisionCosineMin:F5}");
        console.MarkupLine($"decoder prefill logits cosine:  mean {r.PrefillLogitsCosineMean:F5}, min {r.PrefillLogitsCosineMin:F5}");
        console.MarkupLine($"top-1 next-token agreement: {r.Top1Agreement:P2} (teacher-forced on the reference's greedy output; inside the prompt {r.Top1PromptPositions:P2})");
        console.MarkupLine($"greedy output identical: {r.GreedyEqualRate:P0}");
        foreach (var failure in r.Failures)
            console.MarkupLine($"[red]below threshold:[/] {Markup.Escape(failure)}");
        if (r.Passed)
            console.MarkupLine("[green]passed[/]");
    }
}
