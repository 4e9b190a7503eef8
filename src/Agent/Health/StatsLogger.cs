using EdgePali.Agent.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Health;

/// <summary>Logs the stats every Agent:StatsIntervalSeconds (journald keeps a history without MQTT).</summary>
internal sealed class StatsLogger(IStatsSource stats, IOptions<AgentOptions> options, TimeProvider time, ILogger<StatsLogger> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.StatsIntervalSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var s = stats.GetStats();
            foreach (var camera in s.Cameras)
            {
                logger.LogInformation(
                    "Stats {Camera}: {State}, {Fps:0.0} fps, {Captured} captured, {Dropped} dropped, {Gated} gated, {Analyses} analyses, {Failed} failed",
                    camera.Camera, camera.State, camera.CapturedFps, camera.FramesCaptured, camera.FramesDropped, camera.FramesGated, camera.Analyses, camera.AnalysesFailed);
            }

            logger.LogInformation(
                "Stats: {Analyses} analyses, {Failed} failed, total {TotalMs:0} ms mean, queues {Queues}, CPU {Celsius} °C, throttled {Throttled}, RSS {RssMiB:0} MiB",
                s.Analyses,
                s.AnalysesFailed,
                s.StageLatencyMs.GetValueOrDefault("total"),
                string.Join(" ", s.QueueDepths.Select(q => $"{q.Key}={q.Value}")),
                s.CpuTemperatureCelsius?.ToString("0.0") ?? "n/a",
                s.Throttled,
                s.ResidentBytes / 1048576.0);
        }
    }
}
