using System.CommandLine;
using EdgePali.Quantize.Vae;
using Spectre.Console;

namespace EdgePali.Quantize.Commands;

/// <summary>`build-vae`: big_vision's vae-oid.npz -> onnx/vae_decoder.onnx, the mask decoder for segment answers.</summary>
internal static class BuildVaeCommand
{
    public static Command Create()
    {
        var npzOption = new Option<string>("--npz") { Description = "big_vision's VQ-VAE weights (vae-oid.npz, gs://big_vision/paligemma/vae-oid.npz).", Required = true };
        var outOption = new Option<string>("--out") { Description = "ONNX file to write, normally MODEL_DIR/onnx/vae_decoder.onnx.", Required = true };
        var command = new Command("build-vae", "Build the segmentation mask decoder (16 <seg> codes -> 64x64 mask) as ONNX from big_vision's VQ-VAE weights.")
        {
            npzOption, outOption,
        };
        command.SetAction(parse =>
        {
            var npz = parse.GetValue(npzOption)!;
            var output = parse.GetValue(outOption)!;
            try
            {
                VaeDecoderGraph.Write(npz, output);
                AnsiConsole.MarkupLineInterpolated($"[green]wrote[/] {Path.GetFullPath(output)}");
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
