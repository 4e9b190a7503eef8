using EdgePali.Agent.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Devices;

/// <summary>Reads the CPU temperature every PollSeconds into the throttle (and so into the stats).</summary>
internal sealed class ThermalMonitor(
    ICpuTemperatureSensor sensor,
    ThermalThrottle throttle,
    IOptions<DevicesOptions> options,
    TimeProvider time,
    ILogger<ThermalMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var thermal = options.Value.Thermal;
        if (!thermal.Enabled)
            return;
        if (sensor.ReadCelsius() is null)
        {
            logger.LogInformation("No CPU temperature sensor: thermal throttling is off and stats carry no temperature");
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(thermal.PollSeconds), time);
        do
        {
            var before = throttle.Level;
            var celsius = sensor.ReadCelsius();
            var after = throttle.Update(celsius);
            if (after != before)
                logger.LogWarning("CPU at {Celsius:0.0} °C: thermal throttling {Before} -> {After}", celsius, before, after);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
