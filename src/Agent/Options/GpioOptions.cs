namespace EdgePali.Agent.Options;

/// <summary>"Devices:Gpio": input pins that trigger tasks and outputs driven by results.</summary>
public sealed class GpioOptions
{
    /// <summary>The GPIO chip number (libgpiod) used for all pins: 0 on most boards; the Raspberry Pi 5's header is chip 4 on older kernels, 0 on newer ones.</summary>
    public int Chip { get; set; } = -1;

    public List<GpioInputOptions> Inputs { get; set; } = [];

    public List<GpioOutputOptions> Outputs { get; set; } = [];
}

/// <summary>"Devices:Gpio:Inputs:N": a PIR sensor or button that fires the "gpio" tasks of cameras.</summary>
public sealed class GpioInputOptions
{
    /// <summary>A name for logs.</summary>
    public string Name { get; set; } = "";

    /// <summary>The pin number (BCM / line offset).</summary>
    public int Pin { get; set; } = -1;

    /// <summary>Enable the internal pull-up and fire on a falling edge (a button to ground); otherwise pull-down and rising edge (a PIR sensor).</summary>
    public bool ActiveLow { get; set; }

    /// <summary>Edges closer together than this after a trigger are ignored (contact bounce, PIR retrigger).</summary>
    public double DebounceMilliseconds { get; set; } = 200;

    /// <summary>Cameras whose "gpio" tasks this input fires; empty means every camera.</summary>
    public List<string> Cameras { get; set; } = [];
}

/// <summary>"Devices:Gpio:Outputs:N": a pin or board LED switched on while a rule matches recent results.</summary>
public sealed class GpioOutputOptions
{
    /// <summary>A name for logs.</summary>
    public string Name { get; set; } = "";

    /// <summary>The pin number; -1 when <see cref="Led"/> is used instead.</summary>
    public int Pin { get; set; } = -1;

    /// <summary>A board LED under /sys/class/leds (e.g. "ACT" or "led0") instead of a pin.</summary>
    public string Led { get; set; } = "";

    /// <summary>Rule: a result whose objects (detect, segment) include this label, or whose text contains it (other tasks), case-insensitive.</summary>
    public string Label { get; set; } = "person";

    /// <summary>Only results of this camera count; empty means any camera.</summary>
    public string Camera { get; set; } = "";

    /// <summary>How long the output stays on after the last matching result.</summary>
    public double HoldSeconds { get; set; } = 10;

    /// <summary>Drive the pin low for "on".</summary>
    public bool ActiveLow { get; set; }
}
