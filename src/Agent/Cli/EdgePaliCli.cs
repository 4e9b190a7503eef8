using System.CommandLine;

namespace EdgePali.Agent.Cli;

/// <summary>The `edgepali` command line: one sub-command per job (run, mqtt-check, tokenize, infer; bench starts edgepali-bench).</summary>
internal static class EdgePaliCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is [BenchVerb.Name, .. var benchArguments])
        {
            return await BenchVerb.RunAsync(benchArguments).ConfigureAwait(false);
        }

        var root = new RootCommand("EdgePali: a vision-language model (PaliGemma) on a camera at the edge, publishing over MQTT.");
        var run = RunCommand.Create();
        root.Subcommands.Add(run);
        root.Subcommands.Add(MqttCheckCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(InferCommand.Create());
        root.Subcommands.Add(BenchVerb.Create());
        var parse = root.Parse(args);
        var invocation = new InvocationConfiguration();
        if (parse.CommandResult.Command == run)
        {
            // The worker's host handles SIGTERM/SIGINT itself (ConsoleLifetime/SystemdLifetime, HostOptions.ShutdownTimeout).
            // System.CommandLine's own handler would end the process with exit code 143 two seconds after the signal,
            // in the middle of an ordinary stop (e.g. while a model load settles), which systemd counts as a failure.
            invocation.ProcessTerminationTimeout = null;
        }

        return await parse.InvokeAsync(invocation).ConfigureAwait(false);
    }
}
