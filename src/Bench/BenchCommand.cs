using System.CommandLine;
using EdgePali.Vision.Inference;
using EdgePali.Vision.Packages;
using Spectre.Console;

namespace EdgePali.Bench;

/// <summary>
/// `edgepali-bench` (also started by `edgepali-bench`): speed and memory of the engine on a model package (by
/// default a full-size random-weight PaliGemma built on first use), against the machine's memory-bandwidth bound
/// and, optionally, transformers.js on the same files. See docs/benchmarks.md.
/// </summary>
internal static class BenchCommand
{
    /// <summary>The whole command line of `edgepali-bench`: these options are its root command.</summary>
    public static RootCommand Create()
    {
        var modelOption = new Option<string?>("--model") { Description = $"Model package folder (default: {BenchmarkPackage.DefaultRoot}/<preset>-<weights>, built with edgepali-quantize on first use)." };
        var presetOption = new Option<string>("--preset") { Description = "Random-weight model for the default package: pg1-224 | pg2-224 | tiny.", DefaultValueFactory = _ => "pg1-224" };
        presetOption.AcceptOnlyFromAmong([.. Enum.GetValues<BenchPreset>().Select(p => p.CliName())]);
        var weightsOption = new Option<string>("--weights") { Description = "Weight format of the default package (edgepali-quantize build --weights), and the variant of --model: int8 | w8a8 | int4 | fp32 (w8a8 files are the int8 variant).", DefaultValueFactory = _ => "w8a8" };
        weightsOption.AcceptOnlyFromAmong([.. Enum.GetValues<BenchWeights>().Select(w => w.CliName())]);
        var tokensOption = new Option<int>("--new-tokens") { Description = "Tokens generated per run; eos is ignored so every run does the same work.", DefaultValueFactory = _ => 20 };
        var warmupOption = new Option<int>("--warmup") { Description = "Unmeasured runs first (JIT, ORT arenas, page cache).", DefaultValueFactory = _ => 1 };
        var repetitionsOption = new Option<int>("--repetitions") { Description = "Measured runs (median, min and max are reported).", DefaultValueFactory = _ => 5 };
        var threadsOption = new Option<int>("--threads") { Description = "ORT intra-op threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var compareOption = new Option<string?>("--compare") { Description = "Also run transformers.js (Node, onnxruntime-node) on the same files, interleaved: transformers-js." };
        compareOption.AcceptOnlyFromAmong("transformers-js");
        var compareModelOption = new Option<string?>("--compare-model")
        {
            Description = "With --compare: the package transformers.js runs instead of --model, e.g. the standard-layout build of the same checkpoint when --model is a fused one (the layout peers ship).",
        };
        var tasksOption = new Option<string?>("--tasks")
        {
            Description = "Also run several tasks on one frame, e.g. caption,detect (a kind alone takes its default prompt; detect/segment look for person ; car): " +
                          "one shared vision encode vs one per task, and detect/segment tokens with and without constrained decoding. Eos is honoured there.",
        };
        var jsonOption = new Option<bool>("--json") { Description = "Print the report as JSON on stdout (progress goes to stderr)." };

        var command = new RootCommand("edgepali-bench: measure preprocessing, vision encoder, prefill, decode, end-to-end latency, load time, peak RSS and the memory-bandwidth bound (docs/benchmarks.md).")
        {
            modelOption, presetOption, weightsOption, tokensOption, warmupOption, repetitionsOption, threadsOption, compareOption, compareModelOption, tasksOption, jsonOption,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var json = parse.GetValue(jsonOption);
            var settings = new BenchSettings(
                parse.GetValue(modelOption),
                BenchNames.ParsePreset(parse.GetValue(presetOption)!),
                BenchNames.ParseWeights(parse.GetValue(weightsOption)!),
                parse.GetValue(tokensOption),
                parse.GetValue(warmupOption),
                parse.GetValue(repetitionsOption),
                parse.GetValue(threadsOption),
                parse.GetValue(compareOption) is not null,
                Tasks: parse.GetValue(tasksOption),
                CompareModelDirectory: parse.GetValue(compareModelOption));
            var problem = settings switch
            {
                { NewTokens: < 1 } => "--new-tokens must be at least 1.",
                { Warmup: < 0 } => "--warmup cannot be negative.",
                { Repetitions: < 1 } => "--repetitions must be at least 1.",
                { Threads: < 1 } => "--threads must be at least 1.",
                { CompareModelDirectory: not null, CompareTransformersJs: false } => "--compare-model needs --compare transformers-js.",
                { Tasks: { } list } => TaskListProblem(list),
                _ => null,
            };
            if (problem is not null)
            {
                await Console.Error.WriteLineAsync($"error: {problem}").ConfigureAwait(false);
                return 1;
            }

            // Progress and status always go to stderr, so stdout holds only the report.
            var status = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            try
            {
                var report = await BenchmarkRunner.RunAsync(settings, status, json ? Console.Error : null, cancellationToken).ConfigureAwait(false);
                if (json)
                {
                    await Console.Out.WriteLineAsync(BenchReportJson.Serialize(report)).ConfigureAwait(false);
                }
                else
                {
                    BenchReportTable.Write(AnsiConsole.Console, report);
                }

                return 0;
            }
            catch (Exception e) when (e is ModelPackageException or ExecutionProviderException or InvalidOperationException or IOException or InvalidDataException)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private static string? TaskListProblem(string list)
    {
        try
        {
            MultiTaskBench.ParseTasks(list);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"--tasks: {e.Message}";
        }
    }
}
