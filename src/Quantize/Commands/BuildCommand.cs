using System.CommandLine;
using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;
using Spectre.Console;

namespace EdgePali.Quantize.Commands;

/// <summary>`build`: a Hugging Face PaliGemma checkpoint -> an ONNX model package (fp32, int8 or int4 weights).</summary>
internal static class BuildCommand
{
    public static Command Create()
    {
        var checkpointOption = new Option<string>("--checkpoint") { Description = "Hugging Face PaliGemma checkpoint folder (config.json, *.safetensors, tokenizer.json).", Required = true };
        var outOption = new Option<string>("--out") { Description = "Package folder to create (must not exist or be empty).", Required = true };
        var weightsOption = new Option<string>("--weights") { Description = "w8a8 (default: int8 weights and per-token int8 activations, integer GEMM) | int8 (MatMulNBits, weight-only int8, block-wise) | int4 | fp32", DefaultValueFactory = _ => "w8a8" };
        weightsOption.AcceptOnlyFromAmong("int8", "w8a8", "int4", "fp32");
        var blockOption = new Option<int>("--block-size") { Description = "Quantisation block size along K (power of two >= 16).", DefaultValueFactory = _ => 32 };
        var imageSizeOption = new Option<int?>("--image-size") { Description = "Expected image size; must match the checkpoint's vision image_size." };
        var logitsOption = new Option<string>("--logits") { Description = "Decoder logits: last (default; [B,1,V], all generation needs, faster prefill) | all ([B,T,V] for every position, to score prompts)", DefaultValueFactory = _ => "last" };
        logitsOption.AcceptOnlyFromAmong("last", "all");
        var graphOption = new Option<string>("--graph")
        {
            Description = "Graph operators: standard (default; the transformers.js layout, runs on any ONNX Runtime) | fused (ONNX Runtime contrib ops: GroupQueryAttention, SkipSimplifiedLayerNormalization, MultiHeadAttention, SkipLayerNormalization, FastGelu)",
            DefaultValueFactory = _ => "standard",
        };
        graphOption.AcceptOnlyFromAmong("standard", "fused");
        var mixOption = new Option<string?>("--mix")
        {
            Description = "Mixed precision over --weights: comma-separated SCOPE=FORMAT[@LEVEL] rules, later ones win. SCOPE: vision|decoder[.layers.N|.layers.A-B][.attention|.mlp], projector, lm_head, embed; FORMAT: int8|int4|w8a8|fp32; LEVEL: MatMulNBits accuracy_level 0-4 (default 4). E.g. decoder.mlp=int4,lm_head=int8",
        };

        var command = new Command("build", "Build ONNX models (vision_encoder, embed_tokens, decoder_model_merged) and an edgepali.json manifest from a PaliGemma checkpoint.")
        {
            checkpointOption, outOption, weightsOption, blockOption, imageSizeOption, logitsOption, graphOption, mixOption,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var weights = parse.GetValue(weightsOption) switch
            {
                "fp32" => WeightFormat.Fp32,
                "int4" => WeightFormat.Int4,
                "w8a8" => WeightFormat.W8A8,
                _ => WeightFormat.Int8,
            };
            var options = new PackageBuildOptions(parse.GetValue(checkpointOption)!, parse.GetValue(outOption)!, weights, parse.GetValue(blockOption), parse.GetValue(imageSizeOption),
                parse.GetValue(logitsOption) == "all" ? DecoderLogits.AllPositions : DecoderLogits.LastPosition,
                parse.GetValue(graphOption) == "fused" ? GraphLayout.Fused : GraphLayout.Standard,
                parse.GetValue(mixOption));
            try
            {
                PackageBuildResult? result = null;
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .StartAsync(async ctx =>
                    {
                        var task = ctx.AddTask($"building {weights.CliName()} package", maxValue: 1.0);
                        var progress = new Progress<PackageBuildProgress>(p =>
                        {
                            task.Description = $"{weights.CliName()}: {p.Stage}";
                            task.Value = p.Fraction;
                        });
                        result = await PackageBuilder.BuildAsync(options, progress, cancellationToken).ConfigureAwait(false);
                        task.Value = 1.0;
                    }).ConfigureAwait(false);
                AnsiConsole.MarkupLineInterpolated($"[green]wrote[/] {result!.OutDir} ({string.Join(", ", result.ModelFiles)})");
                return 0;
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine("[yellow]cancelled[/]: nothing was left in the output folder.");
                return 130;
            }
            catch (Exception e) when (e is CheckpointException or QuantizeException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
