using System.CommandLine;

namespace EdgePali.Quantize.Commands;

/// <summary>The `edgepali-quantize` command line: make-test-checkpoint, build, build-vae, quantize, verify, pull.</summary>
internal static class QuantizeCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("edgepali-quantize: turn PaliGemma checkpoints and ONNX exports into int8 model packages for the board.");
        root.Subcommands.Add(MakeTestCheckpointCommand.Create());
        root.Subcommands.Add(BuildVaeCommand.Create());
        root.Subcommands.Add(MakeTestVaeCommand.Create());
        root.Subcommands.Add(PullCommand.Create());
        root.Subcommands.Add(BuildCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        var parse = root.Parse(args);
        return await parse.InvokeAsync().ConfigureAwait(false);
    }
}
