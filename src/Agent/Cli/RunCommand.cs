using System.CommandLine;
using EdgePali.Agent.Hosting;
using EdgePali.Agent.Resilience;

namespace EdgePali.Agent.Cli;

/// <summary>`edgepali run`: the worker (capture -> gate -> infer -> publish) until stopped.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config")
        {
            Description = $"JSON configuration file (default {AgentConfiguration.DefaultConfigFile} when present).",
        };
        var duration = new Option<double?>("--duration")
        {
            Description = "Stop by itself after this many seconds, with exit code 0.",
        };
        var command = new Command("run", "Run the worker. Settings: --Section:Key=value, EDGEPALI_Section__Key, --config file; see docs/configuration.md.")
        {
            config,
            duration,
        };
        // Everything else on the line is configuration (--Cameras:0:Source=/dev/video0).
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var seconds = parse.GetValue(duration);
            if (seconds is <= 0)
            {
                await Console.Error.WriteLineAsync("edgepali: --duration must be more than 0 seconds.").ConfigureAwait(false);
                return ExitCodes.InvalidConfiguration;
            }

            return await AgentHost.RunAsync(
                parse.GetValue(config),
                parse.UnmatchedTokens,
                seconds is { } s ? TimeSpan.FromSeconds(s) : null,
                Console.Error,
                configureServices: null,
                cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
