using System.Security.Cryptography;

namespace EdgePali.Agent.Mqtt.Transport;

/// <summary>
/// The agent's MQTT client id. A broker lets whoever connects with a client id take over that id's session (the
/// old connection is dropped, queued commands go to the newcomer), so a guessable default such as
/// `edgepali-{device}` lets any account that may connect steal the agent's commands. The default is therefore
/// `edgepali-{device}-{random}`; the random part is made once and kept in `{Agent:StateDirectory}/mqtt-client-id`,
/// because a new id per start would also start a new session and lose what the broker queued while the agent was
/// away (commands sent meanwhile, the subscriptions the persistent session keeps). `Mqtt:ClientId` overrides it.
/// </summary>
internal static class MqttClientId
{
    public const string FileName = "mqtt-client-id";

    public static string Resolve(MqttOptions options, MqttIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(identity);
        if (!string.IsNullOrWhiteSpace(options.ClientId))
        {
            return options.ClientId;
        }

        var stem = $"edgepali-{MqttTopics.Level(identity.DeviceId)}-";
        var path = Path.Combine(identity.StateDirectory, FileName);
        try
        {
            // A stored id of another device name is not reused: the topics, and so the session's subscriptions, changed with it.
            if (ReadStored(path) is { } stored && stored.StartsWith(stem, StringComparison.Ordinal))
            {
                return stored;
            }

            Directory.CreateDirectory(identity.StateDirectory);
            var created = stem + RandomNumberGenerator.GetHexString(12, lowercase: true);
            var temporary = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, created + "\n");
            File.Move(temporary, path, overwrite: true);
            return created;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"Cannot keep the MQTT client id in {path} ({ex.Message}). Make Agent:StateDirectory writable, or set Mqtt:ClientId to a fixed, hard-to-guess id.", ex);
        }
    }

    private static string? ReadStored(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path).Trim();
        return text.Length is > 0 and <= 128 && !text.Any(char.IsControl) ? text : null;
    }
}
