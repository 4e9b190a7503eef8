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
    private bool _hasSensor;

    /// <summary>
    /// Takes the first reading before the services after it (the scheduler) start: a board that boots hot is paused
    /// from its first frame. ExecuteAsync alone would not do that, since .NET 10 runs it on a background thread.
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Thermal.Enabled)
        {
            _hasSensor = sensor.ReadCelsius() is not null;
            if (_hasSensor)
                Read();
            else
                logger.LogInformation("No CPU temperature sensor: thermal throttling is off and stats carry no temperature");
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_hasSensor)
            return;

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Thermal.PollSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            Read();
    }

    private void Read()
    {
        var before = throttle.Level;
        var celsius = sensor.ReadCelsius();
        var after = throttle.Update(celsius);
        if (after != before)
            logger.LogWarning("CPU at {Celsius:0.0} °C: thermal throttling {Before} -> {After}", celsius, before, after);
    }
}
