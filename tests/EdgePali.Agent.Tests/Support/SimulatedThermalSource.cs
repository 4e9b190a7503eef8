
using EdgePali.Agent.Devices;

namespace EdgePali.Agent.Tests.Support;

/// <summary>A CPU temperature sensor for a board that is not here: reports whatever the test sets.</summary>
public sealed class SimulatedThermalSource : ICpuTemperatureSensor
{
    private readonly Lock _lock = new();
    private double? _celsius;

    public SimulatedThermalSource(double? celsius) => _celsius = celsius;

    public double? Celsius
    {
        get
        {
            lock (_lock)
                return _celsius;
        }

        set
        {
            lock (_lock)
                _celsius = value;
        }
    }

    public double? ReadCelsius() => Celsius;
}
