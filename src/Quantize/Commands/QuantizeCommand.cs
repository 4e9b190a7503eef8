using System.CommandLine;
using EdgePali.Quantize.Rewriting;
using EdgePali.Quantize.Rewriting.Qdq;
using Spectre.Console;

namespace EdgePali.Quantize.Commands;

/// <summary>
/// <c>edgepali-quantize quantize --model DIR --out DIR --mode int8|int4|dynamic-int8|qdq</c>: quantises an existing
/// float model package (transformers.js layout, e.g. an optimum export or our own fp32 build) into a new package.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create() => Create(AnsiConsole.Console);

    public static Command Create(IAnsiConsole console)
    {
        var model = new Option<string>("--model") { Description = "Float model package to read (config.json, tokenizer.json, onnx/*.onnx).", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the new package (must not exist or be empty, unless --force).", Required = true };
        var mode = new Option<string>("--mode") { Description = "w8a8 (as build's default) | int8 | int4 | dynamic-int8 | qdq", Required = true };
        mode.AcceptOnlyFromAmong("w8a8", "int8", "int4", "dynamic-int8", "qdq");
        var parts = new Option<string[]>("--parts") { Description = "Parts to quantise, comma- or space-separated: vision, embed, decoder (default: all; the others are copied).", AllowMultipleArgumentsPerToken = true };
        var blockSize = new Option<int>("--block-size") { Description = "MatMulNBits block size along K (power of two >= 16).", DefaultValueFactory = _ => 32 };
        var exclude = new Option<string[]>("--exclude") { Description = "Node-name globs (* ?) to keep in float, matched on node names, outputs and weight names.", AllowMultipleArgumentsPerToken = true };
        var force = new Option<bool>("--force") { Description = "Replace an existing --out folder (only once the new package is complete)." };
        var variant = new Option<string?>("--variant") { Description = "Variant of the source package to read (default: fp32)." };
        var calibration = new Option<string?>("--calibration") { Description = "qdq: folder of images or a video file to calibrate activation ranges on (frames like the camera's)." };
        var calibrationFrames = new Option<int>("--calibration-frames") { Description = "qdq: frames used at most (evenly spaced in a video).", DefaultValueFactory = _ => 32 };
        var method = new Option<string>("--calibration-method") { Description = "qdq: minmax | percentile | entropy.", DefaultValueFactory = _ => "minmax" };
        method.AcceptOnlyFromAmong("minmax", "percentile", "entropy");
        var percentile = new Option<double>("--percentile") { Description = "qdq, percentile method: share of |x| kept inside the range, in percent.", DefaultValueFactory = _ => 99.999 };
        var activations = new Option<string>("--activations") { Description = "qdq: uint8 | uint16 activation type.", DefaultValueFactory = _ => "uint16" };
        activations.AcceptOnlyFromAmong("uint8", "uint16");
        var weights = new Option<string>("--weights") { Description = "qdq: int8 (symmetric) | uint8 weight type.", DefaultValueFactory = _ => "int8" };
        weights.AcceptOnlyFromAmong("int8", "uint8");
        var perChannel = new Option<bool>("--per-channel") { Description = "qdq: one weight scale per output channel." };
        var mix = new Option<string?>("--mix")
        {
            Description = "int8/int4: mixed precision over the mode, comma-separated SCOPE=FORMAT[@LEVEL] rules, later ones win. SCOPE: vision|decoder[.layers.N|.layers.A-B][.attention|.mlp], projector, lm_head, embed; FORMAT: int8|int4|fp32; LEVEL: accuracy_level 0-4. E.g. decoder.mlp=int4,lm_head=int8",
        };

        var command = new Command("quantize", "Quantise a float model package: int8/int4 (MatMulNBits, CPU), dynamic-int8 (MatMulInteger) or qdq (static QDQ vision encoder for NPUs).")
        {
            model, output, mode, parts, blockSize, exclude, force, variant, calibration, calibrationFrames, method, percentile, activations, weights, perChannel, mix,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(console, () => new QuantizeOptions(
            parse.GetValue(model)!,
            parse.GetValue(output)!,
            QuantizationModes.Parse(parse.GetValue(mode)!),
            ParseParts(parse.GetValue(parts)),
            parse.GetValue(blockSize),
            parse.GetValue(exclude) ?? [],
            parse.GetValue(force),
            parse.GetValue(variant),
            parse.GetValue(calibration) is { } calibrationPath
                ? new QdqOptions(
                    calibrationPath,
                    ParseMethod(parse.GetValue(method)!),
                    parse.GetValue(percentile),
                    QuantTypes.Parse(parse.GetValue(activations)!, "--activations"),
                    QuantTypes.Parse(parse.GetValue(weights)!, "--weights"),
                    parse.GetValue(perChannel),
                    parse.GetValue(calibrationFrames))
                : null,
            parse.GetValue(mix)), cancellationToken));
        return command;
    }

    private static CalibrationMethod ParseMethod(string name) => name switch
    {
        "percentile" => CalibrationMethod.Percentile,
        "entropy" => CalibrationMethod.Entropy,
        _ => CalibrationMethod.MinMax,
    };

    private static HashSet<Vision.Packages.ModelPart>? ParseParts(string[]? values)
    {
        if (values is null || values.Length == 0)
            return null;
        return values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(PackageQuantizer.ParsePart).ToHashSet();
    }

    private static async Task<int> RunAsync(IAnsiConsole console, Func<QuantizeOptions> readOptions, CancellationToken cancellationToken)
    {
        try
        {
            var options = readOptions();
            var result = await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask($"quantize {options.Mode.CliName()}", maxValue: 1.0);
                    var progress = new Progress<QuantizeProgress>(p =>
                    {
                        task.Description = $"{options.Mode.CliName()}: {p.Stage}";
                        task.Value = p.Fraction;
                    });
                    var r = await PackageQuantizer.QuantizeAsync(options, progress, cancellationToken);
                    task.Value = 1.0;
                    return r;
                });
            foreach (var part in result.Manifest.Parts)
            {
                console.MarkupLine(
                    $"  {Markup.Escape(part.File)}: {part.QuantizedNodes} nodes quantised, {part.FloatNodes} kept float, " +
                    $"{part.SourceBytes / 1048576.0:F1} MiB -> {part.Bytes / 1048576.0:F1} MiB");
            }

            console.MarkupLine($"[green]wrote[/] {Markup.Escape(result.OutDir)} (variant {result.Variant}); per-node decisions in edgepali.json");
            return 0;
        }
        catch (Exception e) when (e is QuantizeException or IOException or UnauthorizedAccessException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            console.MarkupLine("[yellow]Cancelled.[/] Nothing was written.");
            return 130;
        }
    }
}
