using System.CommandLine;
using EdgePali.Agent.Hosting;
using EdgePali.Agent.Mqtt;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Cli;

/// <summary>
/// `edgepali mqtt-check`: connects with the configured Mqtt settings (broker, TLS, credentials), announces
/// `online` on the status topic and reports, without loading a model or opening a camera. With --hold it stays
/// connected (the Last Will then marks it offline if it is killed).
/// </summary>
internal static class MqttCheckCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = $"JSON configuration file (default {AgentConfiguration.DefaultConfigFile} when present)." };
        var hold = new Option<bool>("--hold") { Description = "Stay connected until stopped (Ctrl-C / SIGTERM)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the connection.", DefaultValueFactory = _ => 15 };
        var command = new Command("mqtt-check", "Check the MQTT settings: connect to the broker, publish status online, report. Settings as for `run` (--Mqtt:Host=...).")
        {
            config,
            hold,
            timeout,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var configuration = AgentConfiguration.Build(parse.GetValue(config), parse.UnmatchedTokens);
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddConfiguration(configuration);
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
            builder.Services.AddEdgePaliMqtt(configuration);
            using var host = builder.Build();
            try
            {
                await host.StartAsync(cancellationToken);
            }
            catch (OptionsValidationException e)
            {
                foreach (var failure in e.Failures)
                {
                    await Console.Error.WriteLineAsync($"edgepali: {failure}");
                }

                return ExitCodes.InvalidConfiguration;
            }

            var connection = host.Services.GetRequiredService<MqttConnection>();
            var topics = host.Services.GetRequiredService<MqttTopics>();
            var options = host.Services.GetRequiredService<IOptions<MqttOptions>>().Value;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TimeSpan.FromSeconds(parse.GetValue(timeout)));
            var code = ExitCodes.Ok;
            try
            {
                await connection.WaitForConnectionAsync(0, wait.Token);
                Console.WriteLine($"connected to {MqttClientOptionsFactory.EffectiveHost(options)}:{options.Port}; status online on {topics.Status}");
                if (parse.GetValue(hold))
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"edgepali: no MQTT connection to {MqttClientOptionsFactory.EffectiveHost(options)}:{options.Port} within {parse.GetValue(timeout)} s (see the log above).");
                code = ExitCodes.Failure;
            }

            using var stop = new CancellationTokenSource(AgentHost.ShutdownTimeout);
            await host.StopAsync(stop.Token);
            return code;
        });
        return command;
    }
}
