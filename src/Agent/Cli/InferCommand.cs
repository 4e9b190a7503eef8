using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgePali.Vision;
using EdgePali.Vision.Imaging;
using EdgePali.Vision.Inference;
using EdgePali.Vision.Packages;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace EdgePali.Agent.Cli;

/// <summary>`edgepali infer`: one image, one prompt, the typed result (and optionally an annotated copy).</summary>
internal static class InferCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var modelOption = new Option<string>("--model") { Description = "Model package folder (config.json, tokenizer.json, onnx/).", Required = true };
        var imageOption = new Option<string>("--image") { Description = "Image file: PNG, JPEG, BMP, GIF, TIFF, WebP, TGA or PPM (read in managed code; no OpenCV needed).", Required = true };
        var promptOption = new Option<string>("--prompt") { Description = "Task prompt, e.g. \"caption en\", \"detect car ; person\", \"answer en what is this?\".", Required = true };
        var variantOption = new Option<string?>("--variant") { Description = "Model variant by file suffix: int8, q4, fp32, ... (default: int8 if present)." };
        var jsonOption = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var annotateOption = new Option<string?>("--annotate") { Description = "Also write the image with boxes, masks and text drawn on it to this file." };
        var maxTokensOption = new Option<int?>("--max-tokens") { Description = "Limit on generated tokens (default: the task's)." };
        var verboseOption = new Option<bool>("--verbose") { Description = "Log loading and provider details to stderr." };
        var constrainedOption = new Option<bool?>("--constrained")
        {
            Description = "detect/segment: constrained decoding, true (default) or false. Constrained answers always parse and name only the requested labels.",
        };

        var command = new Command("infer", "Run PaliGemma on one image and print the result.")
        {
            modelOption, imageOption, promptOption, variantOption, jsonOption, annotateOption, maxTokensOption, constrainedOption, verboseOption,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggerFactory = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddFilter((category, level) => level >= (parse.GetValue(verboseOption) ? LogLevel.Information : LogLevel.Warning)));
            // Logs go to stderr so --json output stays machine-readable.
            var logger = loggerFactory.CreateLogger("edgepali.infer");
            try
            {
                return await RunAsync(
                    parse.GetValue(modelOption)!,
                    parse.GetValue(imageOption)!,
                    parse.GetValue(promptOption)!,
                    parse.GetValue(variantOption),
                    parse.GetValue(jsonOption),
                    parse.GetValue(annotateOption),
                    parse.GetValue(maxTokensOption),
                    parse.GetValue(constrainedOption),
                    logger,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ModelPackageException or ExecutionProviderException or ArgumentException or IOException)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(
        string model, string imagePath, string prompt, string? variant, bool json, string? annotate, int? maxTokens, bool? constrained, ILogger logger, CancellationToken cancellationToken)
    {
        var task = VisionTaskParser.Parse(prompt);
        if (constrained is { } on)
        {
            if (!ConstrainedDecoding.Applies(task))
            {
                throw new ArgumentException($"--constrained applies to detect and segment prompts only; '{task.Kind}' answers are free text. Leave it out.");
            }

            task = task.WithConstrained(on);
        }

        if (maxTokens is <= 0)
        {
            throw new ArgumentException($"--max-tokens must be positive, got {maxTokens}.");
        }

        var frame = ImageFiles.Load(imagePath);

        var options = new EngineOptions { ModelDirectory = model, Variant = variant };
        var engine = await PaliGemmaEngine.LoadAsync(options, logger, cancellationToken).ConfigureAwait(false);
        await using (engine.ConfigureAwait(false))
        {
            var result = await engine.AnalyzeAsync(frame, task, maxTokens, cancellationToken).ConfigureAwait(false);
            if (json)
            {
                Console.WriteLine(ToJson(result, engine.Package).ToJsonString(Indented));
            }
            else
            {
                WriteText(result, engine.Package);
            }

            if (annotate is not null)
            {
                Annotate(frame, result, annotate);
            }
        }

        return 0;
    }

    internal static JsonObject ToJson(AnalysisResult result, ModelPackage package)
    {
        var t = result.Timings;
        var objects = new JsonArray();
        foreach (var o in result.Objects)
        {
            var obj = new JsonObject
            {
                ["label"] = o.Label,
                ["box"] = Box(o.Box),
                ["box_norm"] = Box(o.BoxNormalized),
                ["score"] = Math.Round(o.Score, 4),
            };
            if (o.SegmentCodes is { } codes)
            {
                obj["segment_codes"] = new JsonArray([.. codes.Select(c => (JsonNode)c)]);
            }

            if (o.Mask is { } mask)
            {
                obj["mask"] = new JsonObject { ["left"] = mask.Left, ["top"] = mask.Top, ["width"] = mask.Width, ["height"] = mask.Height };
            }

            objects.Add(obj);
        }

        return new JsonObject
        {
            ["task"] = result.Task.Kind,
            ["prompt"] = result.Task.Prefix,
            ["constrained"] = result.Task is DetectTask { Constrained: true } or SegmentTask { Constrained: true },
            ["model"] = package.Directory,
            ["variant"] = package.Variant.Name,
            ["text"] = result.Text,
            ["token_ids"] = new JsonArray([.. result.TokenIds.Select(i => (JsonNode)i)]),
            ["objects"] = objects,
            ["timings"] = new JsonObject
            {
                ["preprocess_ms"] = Math.Round(t.PreprocessMs, 3),
                ["vision_ms"] = Math.Round(t.VisionMs, 3),
                ["prefill_ms"] = Math.Round(t.PrefillMs, 3),
                ["decode_ms"] = Math.Round(t.DecodeMs, 3),
                ["decode_ms_per_token"] = Math.Round(t.DecodeMsPerToken, 3),
                ["total_ms"] = Math.Round(t.TotalMs, 3),
                ["prompt_tokens"] = t.PromptTokens,
                ["generated_tokens"] = t.GeneratedTokens,
            },
            ["note"] = result.Note,
        };
    }

    private static JsonArray Box(BoxF b) => new(Math.Round(b.XMin, 4), Math.Round(b.YMin, 4), Math.Round(b.XMax, 4), Math.Round(b.YMax, 4));

    private static void WriteText(AnalysisResult result, ModelPackage package)
    {
        var t = result.Timings;
        Console.WriteLine($"model:   {package.Directory} ({package.Variant})");
        Console.WriteLine($"task:    {result.Task.Kind}  prompt: {result.Task.Prefix}");
        Console.WriteLine($"text:    {result.Text}");
        foreach (var o in result.Objects)
        {
            var b = o.Box;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"object:  {o.Label}  score {o.Score:F3}  box [{b.XMin:F0}, {b.YMin:F0}, {b.XMax:F0}, {b.YMax:F0}]{(o.Mask is null ? "" : "  mask")}"));
        }

        if (result.Note is not null)
        {
            Console.WriteLine($"note:    {result.Note}");
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"timings: preprocess {t.PreprocessMs:F1} ms, vision {t.VisionMs:F1} ms, prefill {t.PrefillMs:F1} ms ({t.PromptTokens} tokens), decode {t.DecodeMsPerToken:F1} ms/token ({t.GeneratedTokens} tokens), total {t.TotalMs:F1} ms"));
    }

    private static void Annotate(ImageFrame frame, AnalysisResult result, string path)
    {
        var annotated = ResultAnnotator.Annotate(frame, result);
        ImageFiles.Save(annotated, path);

        Console.Error.WriteLine($"annotated image written to {Path.GetFullPath(path)}");
    }
}
