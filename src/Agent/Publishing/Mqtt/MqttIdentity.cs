using Microsoft.Extensions.Configuration;

namespace EdgePali.Agent.Publishing.Mqtt;

/// <summary>
/// The two settings MQTT needs from the `Agent` section: the device id (the topic level after the prefix) and
/// the state directory (for the offline queue and discovery records). Read with the same defaults as the worker.
/// </summary>
/// <param name="DeviceId">`Agent:DeviceId`, default the host name.</param>
/// <param name="StateDirectory">`Agent:StateDirectory`, default $STATE_DIRECTORY (systemd) or `.state` under the working directory.</param>
public sealed record MqttIdentity(string DeviceId, string StateDirectory)
{
    public static MqttIdentity FromConfiguration(IConfiguration configuration)
    {
        var deviceId = configuration["Agent:DeviceId"];
        var state = configuration["Agent:StateDirectory"];
        return new MqttIdentity(
            string.IsNullOrWhiteSpace(deviceId) ? Environment.MachineName.ToLowerInvariant() : deviceId,
            string.IsNullOrWhiteSpace(state)
                ? Environment.GetEnvironmentVariable("STATE_DIRECTORY")?.Split(':')[0] is { Length: > 0 } systemd ? systemd : Path.GetFullPath(".state")
                : state);
    }
}
