namespace EdgePali.Agent.Options;

/// <summary>Section "Agent": who this device is and where it keeps state.</summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>The device's name in topics and results. Empty means the host name.</summary>
    public string DeviceId { get; set; } = "";

    /// <summary>
    /// Where the sequence number and other state survive restarts. Empty means systemd's
    /// $STATE_DIRECTORY when set (StateDirectory= in the unit), else $XDG_STATE_HOME/edgepali or
    /// ~/.local/state/edgepali.
    /// </summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>How often the worker logs its stats (and the MQTT side may publish them).</summary>
    public double StatsIntervalSeconds { get; set; } = 60;

    /// <summary>The values actually used, with the defaults above resolved.</summary>
    public string ResolvedDeviceId => string.IsNullOrWhiteSpace(DeviceId) ? DefaultDeviceId() : DeviceId;

    /// <inheritdoc cref="StateDirectory"/>
    public string ResolvedStateDirectory => string.IsNullOrWhiteSpace(StateDirectory) ? DefaultStateDirectory() : Path.GetFullPath(StateDirectory);

    private static string DefaultDeviceId()
    {
        // MQTT topic levels must not contain '/', '+' or '#'; host names never do, but lower-case them for stable topics.
        return Environment.MachineName.ToLowerInvariant();
    }

    private static string DefaultStateDirectory()
    {
        // systemd may list several directories separated by ':'; the first is ours.
        var systemd = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        if (!string.IsNullOrEmpty(systemd))
            return systemd.Split(':')[0];
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (!string.IsNullOrEmpty(xdg))
            return Path.Combine(xdg, "edgepali");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "edgepali");
    }
}
