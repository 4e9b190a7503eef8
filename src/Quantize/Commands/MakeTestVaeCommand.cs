using System.CommandLine;
using EdgePali.Quantize.Vae;
using Spectre.Console;

namespace EdgePali.Quantize.Commands;

/// <summary>`make-test-vae`: a random-weight npz with vae-oid.npz's keys and shapes, for tests and demo packages.</summary>
internal static class MakeTestVaeCommand
{
    public static Command Create()
    {
        var outOption = new Option<string>("--out") { Description = "npz file to write.", Required = true };
        var seedOption = new Option<int>("--seed") { Description = "Random seed (same seed, same weights).", DefaultValueFactory = _ => 0 };
        var dimOption = new Option<int>("--embedding-dim") { Description = "Codebook width D.", DefaultValueFactory = _ => TestVae.DefaultEmbeddingDim };
        var command = new Command("make-test-vae", "Write random VQ-VAE decoder weights with the keys and shapes of big_vision's vae-oid.npz.")
        {
            outOption, seedOption, dimOption,
        };
        command.SetAction(parse =>
        {
            var output = parse.GetValue(outOption)!;
            var dim = parse.GetValue(dimOption);
            if (dim < 1)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] --embedding-dim must be at least 1 (got {dim}).");
                return 1;
            }

            try
            {
                TestVae.Write(output, parse.GetValue(seedOption), dim);
                AnsiConsole.MarkupLineInterpolated($"[green]wrote[/] {Path.GetFullPath(output)}");
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
