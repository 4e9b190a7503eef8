using EdgePali.Agent.Mqtt.Commands;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Options;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Mqtt;

/// <summary>Checks the `Mqtt` section at start-up; every message names the key and the fix.</summary>
internal sealed class MqttOptionsValidator(MqttIdentity identity) : IValidateOptions<MqttOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Check(options.Port is > 0 and < 65536, $"Mqtt:Port is {options.Port}; use 1..65535 (1883 plain, 8883 TLS).");
        Check(MqttTopics.IsValidLevels(options.TopicPrefix), $"Mqtt:TopicPrefix '{options.TopicPrefix}' must be non-empty, without '+', '#', a leading or trailing '/', or empty levels.");
        Check(MqttTopics.IsValidLevel(identity.DeviceId), $"Agent:DeviceId '{identity.DeviceId}' cannot be a topic level; use letters, digits, '-' and '_' only.");
        Check(options.ProtocolVersion is "5" or "3.1.1", $"Mqtt:ProtocolVersion '{options.ProtocolVersion}' is not supported; use \"5\" or \"3.1.1\".");
        Check(options.Qos is >= 0 and <= 2, $"Mqtt:Qos is {options.Qos}; use 0, 1 or 2.");
        Check(options.KeepAliveSeconds is >= 5 and <= 3600, $"Mqtt:KeepAliveSeconds is {options.KeepAliveSeconds}; use 5..3600.");
        Check(options.SessionExpirySeconds >= 0, "Mqtt:SessionExpirySeconds must not be negative.");
        Check(options.ReconnectMinSeconds > 0 && options.ReconnectMaxSeconds >= options.ReconnectMinSeconds,
            $"Mqtt:ReconnectMinSeconds ({options.ReconnectMinSeconds}) must be > 0 and at most Mqtt:ReconnectMaxSeconds ({options.ReconnectMaxSeconds}).");
        Check(options.QueueMaxBytes >= 64 * 1024, $"Mqtt:QueueMaxBytes is {options.QueueMaxBytes}; use at least 65536.");
        Check(options.QueueMaxMessages >= 1, $"Mqtt:QueueMaxMessages is {options.QueueMaxMessages}; use at least 1.");
        Check(options.SnapshotMaxBytes >= 4096, $"Mqtt:SnapshotMaxBytes is {options.SnapshotMaxBytes}; use at least 4096 (default 200000).");
        Check(options.StatsIntervalSeconds >= 1, $"Mqtt:StatsIntervalSeconds is {options.StatsIntervalSeconds}; use at least 1.");
        Check(options.CommandsPerMinute >= 1 && options.AsksPerMinute >= 1, "Mqtt:CommandsPerMinute and Mqtt:AsksPerMinute must be at least 1.");
        Check(options.AskQueueCapacity >= 1, "Mqtt:AskQueueCapacity must be at least 1.");
        Check(options.AskTimeoutSeconds > 0, "Mqtt:AskTimeoutSeconds must be positive.");
        Check(options.MaxPromptLength is >= 16 and <= 4096, $"Mqtt:MaxPromptLength is {options.MaxPromptLength}; use 16..4096.");
        Check(options.MaxCommandBytes is >= 1024 and <= 1024 * 1024, $"Mqtt:MaxCommandBytes is {options.MaxCommandBytes}; use 1024..1048576.");
        Check(string.IsNullOrWhiteSpace(options.Commands) || CommandPolicy.Modes.Contains(options.Commands.Trim()),
            $"Mqtt:Commands '{options.Commands}' is unknown; use off, read-only (ask and run only) or full, or leave it empty (full with the embedded broker, read-only with a remote one).");
        foreach (var op in options.AllowedOps.Where(op => !CommandPolicy.AllOps.Contains(op)))
        {
            errors.Add($"Mqtt:AllowedOps: '{op}' is not an operation; use some of {string.Join(", ", CommandPolicy.AllOps)}.");
        }

        Check(string.IsNullOrEmpty(options.ResponseTopicPrefix) || MqttTopics.IsValidLevels(options.ResponseTopicPrefix),
            $"Mqtt:ResponseTopicPrefix '{options.ResponseTopicPrefix}' must be topic levels without '+', '#', a leading or trailing '/', or empty levels (e.g. edgepali/replies).");
        Check(options.ErrorRepliesPerMinute >= 1, $"Mqtt:ErrorRepliesPerMinute is {options.ErrorRepliesPerMinute}; use at least 1.");
        Check(string.IsNullOrWhiteSpace(options.ClientId) || (options.ClientId.Length <= 128 && !options.ClientId.Any(char.IsControl)),
            "Mqtt:ClientId must be at most 128 characters without control characters.");
        Check(string.IsNullOrEmpty(options.Password) || string.IsNullOrEmpty(options.PasswordFile), "Mqtt:Password and Mqtt:PasswordFile are both set; keep one.");
        if (!string.IsNullOrEmpty(options.PasswordFile) && SecretFile.Problem("Mqtt:PasswordFile", options.PasswordFile) is { } passwordFile)
        {
            errors.Add(passwordFile);
        }

        Check(!string.IsNullOrEmpty(options.Username) || (string.IsNullOrEmpty(options.Password) && string.IsNullOrEmpty(options.PasswordFile)),
            "Mqtt:Password or Mqtt:PasswordFile is set but Mqtt:Username is empty; a password is sent only with a user name: set Mqtt:Username.");
        Check(!string.IsNullOrWhiteSpace(options.Host) || string.IsNullOrEmpty(options.Username) || !string.IsNullOrEmpty(options.Password) || !string.IsNullOrEmpty(options.PasswordFile),
            $"Mqtt:Username '{options.Username}' makes the embedded broker (Mqtt:Host empty) require a login, but no password is set: set Mqtt:Password or Mqtt:PasswordFile, or remove Mqtt:Username.");
        Check(MqttTopics.IsValidLevels(options.HomeAssistant.DiscoveryPrefix), $"Mqtt:HomeAssistant:DiscoveryPrefix '{options.HomeAssistant.DiscoveryPrefix}' is not a valid topic prefix.");
        var tls = options.Tls;
        Check(string.IsNullOrEmpty(tls.CertFile) == string.IsNullOrEmpty(tls.KeyFile), "Mqtt:Tls:CertFile and Mqtt:Tls:KeyFile go together; set both or neither.");
        foreach (var (key, path) in new[] { ("CaFile", tls.CaFile), ("CertFile", tls.CertFile), ("KeyFile", tls.KeyFile) })
        {
            if (!string.IsNullOrEmpty(path) && SecretFile.Problem($"Mqtt:Tls:{key}", path) is { } problem)
            {
                errors.Add(problem);
            }
        }

        Check(tls.Enabled || (string.IsNullOrEmpty(tls.CaFile) && string.IsNullOrEmpty(tls.CertFile)), "Mqtt:Tls:CaFile/CertFile are set but Mqtt:Tls:Enabled is false; set Mqtt:Tls:Enabled=true.");
        Check(!tls.Enabled || !string.IsNullOrWhiteSpace(options.Host), "Mqtt:Tls:Enabled needs Mqtt:Host (the embedded broker is plain TCP on 127.0.0.1).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
