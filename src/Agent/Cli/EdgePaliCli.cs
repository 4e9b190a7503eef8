using System.CommandLine;

namespace EdgePali.Agent.Cli;

/// <summary>The `edgepali` command line: one sub-command per job (run, infer, tokenize, bench).</summary>
internal static class EdgePaliCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("EdgePali: a vision-language model (PaliGemma) on a camera at the edge, publishing over MQTT.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(MqttCheckCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(InferCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        var parse = root.Parse(args);
        return await parse.InvokeAsync().ConfigureAwait(false);
    }
}
