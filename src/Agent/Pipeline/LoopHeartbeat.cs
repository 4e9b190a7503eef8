namespace EdgePali.Agent.Pipeline;

/// <summary>
/// One long-running loop's sign of life for the watchdog (<see cref="PipelineHealth"/>): the loop beats each time it
/// comes round, including while it waits to retry, so a loop that is alive but has nothing to show (a camera that is
/// gone and being retried) still counts as progress, while a loop stuck in a call that never returns stops beating.
/// </summary>
internal sealed class LoopHeartbeat
{
    private readonly TimeProvider _time;
    private readonly Action<LoopHeartbeat> _stopped;
    private long _lastBeatTicks;

    internal LoopHeartbeat(string name, bool excusedWhileAnalysing, TimeProvider time, Action<LoopHeartbeat> stopped)
    {
        Name = name;
        ExcusedWhileAnalysing = excusedWhileAnalysing;
        _time = time;
        _stopped = stopped;
        _lastBeatTicks = time.GetUtcNow().UtcTicks;
    }

    /// <summary>What the loop is, for the log line when it stops beating ("capture loop of camera 'door'").</summary>
    public string Name { get; }

    /// <summary>
    /// True for the loop that runs analyses: it cannot beat during one, and a long analysis is judged by
    /// Health:AnalysisStallSeconds instead.
    /// </summary>
    public bool ExcusedWhileAnalysing { get; }

    /// <summary>When the loop last beat (UTC ticks).</summary>
    public long LastBeatTicks => Interlocked.Read(ref _lastBeatTicks);

    public void Beat() => Interlocked.Exchange(ref _lastBeatTicks, _time.GetUtcNow().UtcTicks);

    /// <summary>The loop ended on purpose (the worker stops): it is no longer watched.</summary>
    public void Stop() => _stopped(this);
}
