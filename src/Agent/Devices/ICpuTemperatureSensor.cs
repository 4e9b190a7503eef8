namespace EdgePali.Agent.Devices;

/// <summary>The board's CPU temperature. Tests substitute a simulated thermal source.</summary>
public interface ICpuTemperatureSensor
{
    /// <summary>°C, or null when the board has no readable sensor.</summary>
    double? ReadCelsius();
}
