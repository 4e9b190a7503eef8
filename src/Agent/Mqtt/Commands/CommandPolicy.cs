using EdgePali.Agent.Mqtt.Transport;

namespace EdgePali.Agent.Mqtt.Commands;

/// <summary>
/// Which remote operations the agent accepts over MQTT: <c>Mqtt:Commands</c> (`off`, `read-only`, `full`; by default
/// `full` with the embedded loopback broker and `read-only` with a remote one) narrowed by <c>Mqtt:AllowedOps</c>.
/// `read-only` means operations that change no setting: `ask`, the `set` op `search` (reads the results timeline) and
/// the `set` op `run` (which runs a task someone already configured, so it can do less than an `ask`).
/// </summary>
internal sealed class CommandPolicy
{
    public const string Off = "off";
    public const string ReadOnly = "read-only";
    public const string Full = "full";

    /// <summary>Every operation name: the `set` ops, and `ask` for the question topic.</summary>
    public static readonly IReadOnlyList<string> AllOps = ["enable", "disable", "add_task", "update_task", "remove_task", "reset", "run", "search", "ask"];

    public static readonly IReadOnlyList<string> Modes = [Off, ReadOnly, Full];

    private static readonly HashSet<string> ReadOnlyOps = new(StringComparer.Ordinal) { "run", "search", "ask" };

    private readonly HashSet<string> _allowed;

    private CommandPolicy(string mode, bool modeIsDefault, HashSet<string> allowed)
    {
        Mode = mode;
        ModeIsDefault = modeIsDefault;
        _allowed = allowed;
    }

    /// <summary>The effective `Mqtt:Commands` mode.</summary>
    public string Mode { get; }

    /// <summary>True when the mode was not configured and follows the broker (embedded: full, remote: read-only).</summary>
    public bool ModeIsDefault { get; }

    /// <summary>The accepted operations, in <see cref="AllOps"/> order.</summary>
    public IReadOnlyList<string> Allowed => [.. AllOps.Where(_allowed.Contains)];

    /// <summary>True when some `set` op is accepted (the agent subscribes to `set` only then).</summary>
    public bool AcceptsSet => _allowed.Any(op => op != "ask");

    public bool AcceptsAsk => _allowed.Contains("ask");

    /// <summary>Home Assistant gets `run` buttons only when pressing them would work.</summary>
    public bool AcceptsRun => _allowed.Contains("run");

    /// <summary>The policy of validated options (see <see cref="MqttOptionsValidator"/>).</summary>
    public static CommandPolicy From(MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configured = string.IsNullOrWhiteSpace(options.Commands) ? null : options.Commands.Trim();
        var mode = configured ?? (string.IsNullOrWhiteSpace(options.Host) ? Full : ReadOnly);
        var allowed = mode switch
        {
            Full => new HashSet<string>(AllOps, StringComparer.Ordinal),
            ReadOnly => new HashSet<string>(ReadOnlyOps, StringComparer.Ordinal),
            _ => new HashSet<string>(StringComparer.Ordinal),
        };
        if (options.AllowedOps.Count > 0)
        {
            allowed.IntersectWith(options.AllowedOps);
        }

        return new CommandPolicy(mode, configured is null, allowed);
    }

    /// <summary>Null when <paramref name="op"/> is accepted, else the reason for the error reply.</summary>
    public string? Refusal(string op) => _allowed.Contains(op)
        ? null
        : $"op '{op}' is not allowed on this device (Mqtt:Commands = {Mode}{(ModeIsDefault ? " by default for this broker" : "")}; accepted: {(_allowed.Count == 0 ? "none" : string.Join(", ", Allowed))})";
}
