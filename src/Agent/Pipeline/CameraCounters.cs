namespace EdgePali.Agent.Pipeline;

/// <summary>
/// A camera's running figures for stats and the watchdog: frames captured, gated and dropped, analyses and reconnects,
/// and the capture rate. Each is written by one stage and read by any; all lock-free.
/// </summary>
internal sealed class CameraCounters(LatestFrameSlot slot)
{
    private long _framesCaptured;
    private long _framesGated;
    private long _framesDroppedPending;
    private long _analyses;
    private long _analysesFailed;
    private long _reconnects;
    private long _lastFrameTicks;
    private double _frameIntervalEmaSeconds;

    public long FramesCaptured => Interlocked.Read(ref _framesCaptured);

    public long FramesGated => Interlocked.Read(ref _framesGated);

    /// <summary>Frames dropped as stale anywhere: replaced in the capture slot, replaced while pending, or too old when the model got to them.</summary>
    public long FramesDropped => slot.Dropped + Interlocked.Read(ref _framesDroppedPending);

    public long Analyses => Interlocked.Read(ref _analyses);

    /// <summary>Analyses of this camera that ended in an error (not cancellations) since start.</summary>
    public long AnalysesFailed => Interlocked.Read(ref _analysesFailed);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Capture time of the last frame (UTC ticks), 0 before the first.</summary>
    public long LastFrameTicks => Interlocked.Read(ref _lastFrameTicks);

    /// <summary>Frames per second captured, from a moving average of the gaps between frames.</summary>
    public double CapturedFps(DateTimeOffset now)
    {
        var last = LastFrameTicks;
        var ema = Volatile.Read(ref _frameIntervalEmaSeconds);
        if (last == 0 || ema <= 0)
            return 0;
        var sinceLast = (now.UtcTicks - last) / (double)TimeSpan.TicksPerSecond;
        // After a gap longer than the usual interval the rate is falling: report what the gap implies.
        return 1.0 / Math.Max(ema, sinceLast);
    }

    public void RecordFrame(DateTimeOffset timestamp)
    {
        Interlocked.Increment(ref _framesCaptured);
        var previous = Interlocked.Exchange(ref _lastFrameTicks, timestamp.UtcTicks);
        if (previous == 0)
            return;
        var gap = (timestamp.UtcTicks - previous) / (double)TimeSpan.TicksPerSecond;
        var ema = Volatile.Read(ref _frameIntervalEmaSeconds);
        Volatile.Write(ref _frameIntervalEmaSeconds, ema <= 0 ? gap : (0.9 * ema) + (0.1 * gap));
    }

    public void RecordGated() => Interlocked.Increment(ref _framesGated);

    public void RecordPendingDropped() => Interlocked.Increment(ref _framesDroppedPending);

    public void RecordReconnect() => Interlocked.Increment(ref _reconnects);

    public void RecordAnalysis() => Interlocked.Increment(ref _analyses);

    public void RecordFailedAnalysis() => Interlocked.Increment(ref _analysesFailed);
}
