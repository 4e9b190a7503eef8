namespace EdgePali.Agent.Mqtt.Transport;

/// <summary>The `Mqtt` configuration section: broker, security, delivery, limits. Defaults are documented in docs/mqtt.md.</summary>
public sealed class MqttOptions
{
    public const string SectionName = "Mqtt";

    /// <summary>Broker host name or address. Empty: run the embedded broker on 127.0.0.1:<see cref="Port"/> and publish there.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 1883;

    /// <summary>First topic level: `{prefix}/{device}/...`.</summary>
    public string TopicPrefix { get; set; } = "edgepali";

    /// <summary>"5" (default) or "3.1.1".</summary>
    public string ProtocolVersion { get; set; } = "5";

    /// <summary>
    /// The client id; a stable id is what makes the broker keep the persistent session. Default: `edgepali-{device}-`
    /// and a random suffix made once and kept in `{Agent:StateDirectory}/mqtt-client-id`, so another client cannot
    /// guess it and take the session over.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>QoS of result messages (0, 1 or 2).</summary>
    public int Qos { get; set; } = 1;

    public string? Username { get; set; }

    /// <summary>Prefer <see cref="PasswordFile"/> or the environment (EDGEPALI_Mqtt__Password) to a configuration file.</summary>
    public string? Password { get; set; }

    /// <summary>A file whose first line is the password (e.g. a systemd credential).</summary>
    public string? PasswordFile { get; set; }

    public MqttTlsOptions Tls { get; set; } = new();

    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>How long the broker keeps the session (subscriptions, queued commands) while the agent is away.</summary>
    public int SessionExpirySeconds { get; set; } = 86400;

    /// <summary>First reconnect delay; it doubles per failed attempt up to <see cref="ReconnectMaxSeconds"/>, with jitter.</summary>
    public double ReconnectMinSeconds { get; set; } = 1;

    public double ReconnectMaxSeconds { get; set; } = 60;

    /// <summary>Where the offline queue lives. Default `{Agent:StateDirectory}/mqtt-queue`.</summary>
    public string? QueueDirectory { get; set; }

    public long QueueMaxBytes { get; set; } = 64L * 1024 * 1024;

    public int QueueMaxMessages { get; set; } = 100_000;

    /// <summary>Snapshots larger than this are re-encoded smaller; the default suits every broker.</summary>
    public int SnapshotMaxBytes { get; set; } = 200_000;

    public double StatsIntervalSeconds { get; set; } = 60;

    /// <summary>Commands (`set`) accepted per camera per minute; more get a "rate limited" reply.</summary>
    public int CommandsPerMinute { get; set; } = 30;

    /// <summary>Questions (`ask`) accepted per camera per minute.</summary>
    public int AsksPerMinute { get; set; } = 12;

    /// <summary>Questions waiting for the model at most; more get a "busy" reply.</summary>
    // Not AskRequest.QueueCapacity again: MQTT hands the shared ask queue one job at a time, so this alone bounds the MQTT questions and runs held (no frame, timeout not yet started) in front of it.
    public int AskQueueCapacity { get; set; } = 4;

    public double AskTimeoutSeconds { get; set; } = 120;

    /// <summary>Longest prompt, question or label list text accepted from a command, in characters.</summary>
    public int MaxPromptLength { get; set; } = 500;

    /// <summary>Largest command payload accepted, in bytes. Over MQTT 5 the broker is told not to send larger packets at all.</summary>
    public int MaxCommandBytes { get; set; } = 16 * 1024;

    /// <summary>"off", "read-only" (ask and run only) or "full". Empty: full with the embedded broker, read-only with a remote one.</summary>
    public string? Commands { get; set; }

    /// <summary>Operations accepted (enable, disable, add_task, update_task, remove_task, reset, run, ask); empty: all that <see cref="Commands"/> allows.</summary>
    public List<string> AllowedOps { get; set; } = [];

    /// <summary>MQTT 5 response topics must lie under this prefix. Default `{TopicPrefix}/{device}/replies`.</summary>
    public string? ResponseTopicPrefix { get; set; }

    /// <summary>Error replies sent per minute (all cameras together); more are dropped, so bad commands cannot make the agent flood the broker.</summary>
    public int ErrorRepliesPerMinute { get; set; } = 30;

    public HomeAssistantOptions HomeAssistant { get; set; } = new();
}

/// <summary>`Mqtt:Tls`: TLS to the broker.</summary>
public sealed class MqttTlsOptions
{
    public bool Enabled { get; set; }

    /// <summary>PEM file of the CA that signed the broker's certificate; empty: the system trust store.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate (for brokers with require_certificate); needs <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>The name the broker's certificate is checked against (SNI); default <see cref="MqttOptions.Host"/>.</summary>
    public string? ServerName { get; set; }
}

/// <summary>`Mqtt:HomeAssistant`: MQTT discovery.</summary>
public sealed class HomeAssistantOptions
{
    public bool Discovery { get; set; } = true;

    public string DiscoveryPrefix { get; set; } = "homeassistant";
}
