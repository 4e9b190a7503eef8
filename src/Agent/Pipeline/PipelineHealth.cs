using System.Collections.Concurrent;
using EdgePali.Agent.Options;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Pipeline;

/// <summary>
/// Whether the pipeline makes progress, for the systemd watchdog: every long-running loop (each camera's capture
/// loop, the analysis scheduler) beat its <see cref="LoopHeartbeat"/> within Health:CaptureStallSeconds (a loop stuck
/// in a native call that never returns stops the pings; a camera that is unplugged does not, because its loop keeps
/// beating while it retries, and restarting the worker would not bring the camera back), no analysis
/// has been running longer than Health:AnalysisStallSeconds (a hung model stops them), and fewer than
/// Health:MaxConsecutiveFailedAnalyses analyses failed in a row (a model or runtime that errors on every frame
/// publishes nothing; feeding the watchdog then would hide it).
/// </summary>
internal sealed class PipelineHealth(IOptions<HealthOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<LoopHeartbeat, byte> _loops = new();
    private long _analysisStartedTicks;
    private long _analysisEndedTicks;
    private long _analysesFailed;
    private int _failedInARow;
    private string? _lastFailure;

    /// <summary>
    /// Starts watching a loop: it must call <see cref="LoopHeartbeat.Beat"/> at least every Health:CaptureStallSeconds
    /// until it calls <see cref="LoopHeartbeat.Stop"/>.
    /// </summary>
    public LoopHeartbeat WatchLoop(string name, bool excusedWhileAnalysing = false)
    {
        var heartbeat = new LoopHeartbeat(name, excusedWhileAnalysing, time, loop => _loops.TryRemove(loop, out _));
        _loops[heartbeat] = 0;
        return heartbeat;
    }

    /// <summary>The scheduler calls this when an analysis starts...</summary>
    public void AnalysisStarted() => Interlocked.Exchange(ref _analysisStartedTicks, time.GetUtcNow().UtcTicks);

    /// <summary>...and this when it ends, however it ended.</summary>
    public void AnalysisEnded()
    {
        Interlocked.Exchange(ref _analysisEndedTicks, time.GetUtcNow().UtcTicks);
        Interlocked.Exchange(ref _analysisStartedTicks, 0);
    }

    /// <summary>Analyses that ended in an error since start (cancellations are not errors).</summary>
    public long AnalysesFailed => Interlocked.Read(ref _analysesFailed);

    /// <summary>Analyses that failed since the last one that succeeded.</summary>
    public int FailedInARow => Volatile.Read(ref _failedInARow);

    /// <summary>An analysis produced a result: the run of failures, if any, is over.</summary>
    public void AnalysisSucceeded() => Interlocked.Exchange(ref _failedInARow, 0);

    /// <summary>An analysis ended in an error; returns how many failed in a row now.</summary>
    public int AnalysisFailed(string message)
    {
        Interlocked.Increment(ref _analysesFailed);
        Volatile.Write(ref _lastFailure, message);
        return Interlocked.Increment(ref _failedInARow);
    }

    /// <summary>True while the pipeline makes progress; <paramref name="problem"/> says what is stuck otherwise.</summary>
    public bool IsHealthy(out string? problem)
    {
        var now = time.GetUtcNow().UtcTicks;
        var limits = options.Value;
        var started = Interlocked.Read(ref _analysisStartedTicks);
        if (started != 0 && TimeSpan.FromTicks(now - started).TotalSeconds > limits.AnalysisStallSeconds)
        {
            problem = $"an analysis has been running for {TimeSpan.FromTicks(now - started).TotalSeconds:0} s";
            return false;
        }

        var failed = FailedInARow;
        if (failed >= limits.MaxConsecutiveFailedAnalyses)
        {
            problem = $"the last {failed} analyses all failed (last error: {Volatile.Read(ref _lastFailure)})";
            return false;
        }

        var stallLimit = TimeSpan.FromSeconds(limits.CaptureStallSeconds);
        foreach (var loop in _loops.Keys)
        {
            if (loop.ExcusedWhileAnalysing && started != 0)
                continue;
            // The analysing loop is as alive as its last analysis: it beats again when it comes round after it.
            var lastSign = loop.ExcusedWhileAnalysing ? Math.Max(loop.LastBeatTicks, Interlocked.Read(ref _analysisEndedTicks)) : loop.LastBeatTicks;
            var silent = TimeSpan.FromTicks(now - lastSign);
            if (silent > stallLimit)
            {
                problem = $"the {loop.Name} has not come round for {silent.TotalSeconds:0} s (stuck in a call that does not return)";
                return false;
            }
        }

        problem = null;
        return true;
    }
}
