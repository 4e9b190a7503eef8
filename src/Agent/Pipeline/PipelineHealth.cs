using EdgePali.Agent.Options;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Pipeline;

/// <summary>
/// Whether the pipeline makes progress, for the systemd watchdog: at least one enabled camera delivered a
/// frame within Health:CaptureStallSeconds (a hung driver or dead cameras stop the pings), no analysis
/// has been running longer than Health:AnalysisStallSeconds (a hung model stops them), and fewer than
/// Health:MaxConsecutiveFailedAnalyses analyses failed in a row (a model or runtime that errors on every frame
/// publishes nothing; feeding the watchdog then would hide it).
/// </summary>
internal sealed class PipelineHealth(CameraRegistry cameras, IOptions<HealthOptions> options, TimeProvider time)
{
    private readonly long _startedTicks = time.GetUtcNow().UtcTicks;
    private long _analysisStartedTicks;
    private long _analysesFailed;
    private int _failedInARow;
    private string? _lastFailure;

    /// <summary>The scheduler calls this when an analysis starts...</summary>
    public void AnalysisStarted() => Interlocked.Exchange(ref _analysisStartedTicks, time.GetUtcNow().UtcTicks);

    /// <summary>...and this when it ends, however it ended.</summary>
    public void AnalysisEnded() => Interlocked.Exchange(ref _analysisStartedTicks, 0);

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

        var enabled = cameras.Cameras.Where(c => c.Options.Enabled).ToList();
        if (enabled.Count > 0)
        {
            // Give cameras the same grace after start as later: a board may need a while to bring them up.
            var newest = enabled.Max(c => Math.Max(c.Counters.LastFrameTicks, _startedTicks));
            if (TimeSpan.FromTicks(now - newest).TotalSeconds > limits.CaptureStallSeconds)
            {
                problem = $"no camera delivered a frame for {TimeSpan.FromTicks(now - newest).TotalSeconds:0} s";
                return false;
            }
        }

        problem = null;
        return true;
    }
}
