namespace EdgePali.Agent.Options;

/// <summary>"Devices:Thermal": slow down or pause analysis when the CPU is hot, resume when it has cooled.</summary>
public sealed class ThermalOptions
{
    /// <summary>Read the CPU temperature (stats) and throttle. Off, or no sensor: never throttles.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the temperature is read.</summary>
    public double PollSeconds { get; set; } = 5;

    /// <summary>Above this (°C) the worker waits <see cref="SlowDelaySeconds"/> between analyses.</summary>
    public double SlowAboveCelsius { get; set; } = 75;

    /// <summary>Above this (°C) analysis pauses (capture continues).</summary>
    public double PauseAboveCelsius { get; set; } = 82;

    /// <summary>Below this (°C) a slowed or paused worker returns to full speed (hysteresis).</summary>
    public double ResumeBelowCelsius { get; set; } = 70;

    /// <summary>The pause between analyses while slowed.</summary>
    public double SlowDelaySeconds { get; set; } = 10;
}
