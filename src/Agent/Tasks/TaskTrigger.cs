namespace EdgePali.Agent.Tasks;

/// <summary>What starts an analysis of a task.</summary>
public enum TaskTrigger
{
    /// <summary>Every <see cref="TaskSettings.Interval"/>.</summary>
    Interval,

    /// <summary>When the motion gate sees change, at most once per interval.</summary>
    Motion,

    /// <summary>When a GPIO input fires (PIR sensor, button).</summary>
    Gpio,

    /// <summary>Only when run by name (MQTT `set` with op `run`).</summary>
    Command,
}
