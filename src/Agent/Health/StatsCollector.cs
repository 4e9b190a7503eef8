
using EdgePali.Agent.Devices;
using EdgePali.Agent.Pipeline;

namespace EdgePali.Agent.Health;

/// <summary>Assembles <see cref="AgentStats"/> from the cameras, the stages and the board.</summary>
internal sealed class StatsCollector(
    CameraRegistry cameras,
    StageLatencies latencies,
    ResultChannel results,
    ThermalThrottle throttle,
    PipelineHealth health,
    TimeProvider time) : IStatsSource
{
    private readonly DateTimeOffset _started = time.GetUtcNow();

    public AgentStats GetStats()
    {
        var now = time.GetUtcNow();
        var perCamera = cameras.Cameras.Select(c => new CameraStats(
            c.Name,
            c.State.ToString().ToLowerInvariant(),
            Math.Round(c.Counters.CapturedFps(now), 2),
            c.Counters.FramesCaptured,
            c.Counters.FramesDropped,
            c.Counters.FramesGated,
            c.Counters.Analyses,
            c.Counters.AnalysesFailed,
            c.Motion,
            c.State == CameraState.Streaming ? null : c.LastError)).ToList();
        var queues = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["gate"] = cameras.Cameras.Count(c => c.Slot.HasFresh),
            ["infer"] = cameras.Cameras.Sum(c => c.PendingDepth),
            ["publish"] = results.Depth,
        };
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return new AgentStats(
            now - _started,
            perCamera.Sum(c => c.Analyses),
            health.AnalysesFailed,
            latencies.Snapshot(),
            queues,
            throttle.Celsius is { } celsius ? Math.Round(celsius, 1) : null,
            throttle.Level != ThrottleLevel.None,
            process.WorkingSet64,
            perCamera);
    }
}
