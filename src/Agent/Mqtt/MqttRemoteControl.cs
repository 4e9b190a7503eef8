using EdgePali.Agent.Control;
using EdgePali.Agent.Mqtt.Commands;
using EdgePali.Agent.Mqtt.HomeAssistant;
using EdgePali.Agent.Mqtt.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Mqtt;

/// <summary>
/// Starts the command topics and Home Assistant discovery when the host provides an <see cref="ICameraControl"/>
/// (the worker does; a bare MQTT connection check does not).
/// </summary>
internal sealed class MqttRemoteControl(IServiceProvider services, IOptions<MqttOptions> options, ILogger<MqttRemoteControl> logger) : IHostedService
{
    private readonly List<IHostedService> _started = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<ICameraControl>() is not { } control)
        {
            logger.LogInformation("No camera control in this host: MQTT set/ask commands and Home Assistant discovery are off");
            return;
        }

        var commands = ActivatorUtilities.CreateInstance<MqttCommandService>(services, control);
        await commands.StartAsync(cancellationToken);
        _started.Add(commands);
        if (options.Value.HomeAssistant.Discovery)
        {
            var discovery = ActivatorUtilities.CreateInstance<HomeAssistantDiscovery>(services, control, commands);
            await discovery.StartAsync(cancellationToken);
            _started.Add(discovery);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var service in Enumerable.Reverse(_started))
        {
            await service.StopAsync(cancellationToken);
            (service as IDisposable)?.Dispose();
        }

        _started.Clear();
    }
}
