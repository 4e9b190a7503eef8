using System.Globalization;
using EdgePali.Agent.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Health;

/// <summary>
/// Feeds the systemd watchdog (WatchdogSec= in the unit): sends WATCHDOG=1 every half WATCHDOG_USEC, but
/// only while <see cref="PipelineHealth"/> sees progress, so a hung camera or model lets systemd restart
/// the service. Does nothing when not started by systemd with a watchdog. (UseSystemd() sends READY=1 and
/// STOPPING=1 but has no watchdog of its own.)
/// </summary>
internal sealed class WatchdogService(PipelineHealth health, ISystemdNotifier notifier, WatchdogSchedule schedule, TimeProvider time, ILogger<WatchdogService> logger) : BackgroundService
{
    /// <summary>The ping period systemd asks for (half of WATCHDOG_USEC), or null when there is no watchdog for this process.</summary>
    public static TimeSpan? IntervalFromEnvironment()
    {
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        if (!long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) || microseconds <= 0)
            return null;
        // WATCHDOG_PID, when set, names the process the watchdog is for.
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            return null;
        return TimeSpan.FromMicroseconds(microseconds / 2.0);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (schedule.Interval is not { } interval || !notifier.IsEnabled)
            return;
        logger.LogInformation("systemd watchdog: pinging every {Seconds:0.#} s while the pipeline makes progress", interval.TotalSeconds);
        var wasHealthy = true;
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            var healthy = health.IsHealthy(out var problem);
            if (healthy)
                notifier.Notify(new ServiceState("WATCHDOG=1"));
            else if (wasHealthy)
                logger.LogError("Pipeline stuck ({Problem}): no longer feeding the systemd watchdog, systemd will restart the service", problem);
            wasHealthy = healthy;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}

/// <summary>How often the watchdog is fed; null: no watchdog (not started by systemd with WatchdogSec=).</summary>
internal sealed record WatchdogSchedule(TimeSpan? Interval);
