namespace EdgePali.Agent.Options;

/// <summary>Section "Devices": the board's sensors and pins.</summary>
public sealed class DevicesOptions
{
    public const string Section = "Devices";

    public ThermalOptions Thermal { get; set; } = new();

    public GpioOptions Gpio { get; set; } = new();
}
