using EdgePali.Agent.Options;
using Microsoft.Extensions.Configuration;

namespace EdgePali.Agent.Mqtt.Transport;

/// <summary>
/// The two settings MQTT needs from the `Agent` section, resolved with the worker's own defaults
/// (<see cref="AgentOptions"/>): the device id (the topic level after the prefix) and the state directory
/// (offline queue, discovery record).
/// </summary>
public sealed record MqttIdentity(string DeviceId, string StateDirectory)
{
    public static MqttIdentity FromConfiguration(IConfiguration configuration)
    {
        var agent = configuration.GetSection(AgentOptions.Section).Get<AgentOptions>() ?? new AgentOptions();
        return new MqttIdentity(agent.ResolvedDeviceId, agent.ResolvedStateDirectory);
    }
}
