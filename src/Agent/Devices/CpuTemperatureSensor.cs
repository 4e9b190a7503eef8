using Iot.Device.CpuTemperature;

namespace EdgePali.Agent.Devices;

/// <summary>Iot.Device.Bindings' CpuTemperature: /sys/class/thermal/thermal_zone0 on Linux boards.</summary>
public sealed class CpuTemperatureSensor : ICpuTemperatureSensor, IDisposable
{
    private readonly CpuTemperature _sensor = new();

    public double? ReadCelsius()
    {
        if (!_sensor.IsAvailable)
            return null;
        try
        {
            var celsius = _sensor.Temperature.DegreesCelsius;
            return double.IsFinite(celsius) ? celsius : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _sensor.Dispose();
}
