using System.CommandLine;
using EdgePali.Quantize.Checkpoints;
using Spectre.Console;

namespace EdgePali.Quantize.Commands;

/// <summary>`make-test-checkpoint`: writes a random-weight PaliGemma checkpoint in the Hugging Face layout.</summary>
internal static class MakeTestCheckpointCommand
{
    public static Command Create()
    {
        var outOption = new Option<string>("--out") { Description = "Folder to create (must not exist or be empty).", Required = true };
        var presetOption = new Option<string>("--preset") { Description = "tiny | tiny2 | pg1-224 | pg2-224", DefaultValueFactory = _ => "tiny" };
        presetOption.AcceptOnlyFromAmong("tiny", "tiny2", "pg1-224", "pg2-224");
        var seedOption = new Option<int>("--seed") { Description = "Random seed (same seed, same weights).", DefaultValueFactory = _ => 0 };
        var dtypeOption = new Option<string>("--dtype") { Description = "bf16 | fp16 | fp32", DefaultValueFactory = _ => "bf16" };
        dtypeOption.AcceptOnlyFromAmong("bf16", "fp16", "fp32");
        var tokenizerOption = new Option<string?>("--tokenizer") { Description = "Gemma tokenizer.json (default: the pinned copy under tests/conformance)." };

        var command = new Command("make-test-checkpoint", "Write a random-weight PaliGemma checkpoint (config.json, safetensors, tokenizer) for tests and benchmarks.")
        {
            outOption, presetOption, seedOption, dtypeOption, tokenizerOption,
        };
        command.SetAction(parse =>
        {
            var preset = parse.GetValue(presetOption) switch
            {
                "tiny2" => TestCheckpointPreset.Tiny2,
                "pg1-224" => TestCheckpointPreset.Pg1_224,
                "pg2-224" => TestCheckpointPreset.Pg2_224,
                _ => TestCheckpointPreset.Tiny,
            };
            var dtype = parse.GetValue(dtypeOption) switch
            {
                "fp32" => CheckpointDType.Fp32,
                "fp16" => CheckpointDType.Fp16,
                _ => CheckpointDType.Bf16,
            };
            var outDir = parse.GetValue(outOption)!;
            try
            {
                AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask($"writing {preset} checkpoint", maxValue: 1.0);
                        TestCheckpoint.Write(outDir, preset, parse.GetValue(seedOption), dtype, parse.GetValue(tokenizerOption), new Progress<double>(p => task.Value = p));
                        task.Value = 1.0;
                    });
                AnsiConsole.MarkupLineInterpolated($"[green]wrote[/] {Path.GetFullPath(outDir)}");
                return 0;
            }
            catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
