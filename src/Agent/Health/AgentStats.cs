namespace EdgePali.Agent.Health;

/// <summary>The worker's health figures at one moment.</summary>
/// <param name="Uptime">Time since the worker started.</param>
/// <param name="Analyses">Analyses completed since start, all cameras.</param>
/// <param name="AnalysesFailed">Analyses that ended in an error since start, all cameras and questions.</param>
/// <param name="StageLatencyMs">Recent mean milliseconds per stage, keyed "preprocess", "vision", "prefill", "decode", "total".</param>
/// <param name="QueueDepths">Current depth of each bounded channel, keyed by stage ("gate", "infer", "publish").</param>
/// <param name="CpuTemperatureCelsius">From the board's thermal zone; null when unavailable.</param>
/// <param name="Throttled">True while thermal throttling slows or pauses analysis.</param>
/// <param name="ResidentBytes">The process's resident set size.</param>
/// <param name="Cameras">Per-camera figures, in configuration order.</param>
public sealed record AgentStats(
    TimeSpan Uptime,
    long Analyses,
    long AnalysesFailed,
    IReadOnlyDictionary<string, double> StageLatencyMs,
    IReadOnlyDictionary<string, int> QueueDepths,
    double? CpuTemperatureCelsius,
    bool Throttled,
    long ResidentBytes,
    IReadOnlyList<CameraStats> Cameras);

/// <summary>One camera's figures.</summary>
/// <param name="Camera">The camera's configured name.</param>
/// <param name="State">"connecting", "streaming", "reconnecting", "offline", "stopped" or "disabled" (see <see cref="Pipeline.CameraState"/>).</param>
/// <param name="CapturedFps">Frames captured per second, recent mean.</param>
/// <param name="FramesCaptured">Frames captured since start.</param>
/// <param name="FramesDropped">Frames dropped as stale (latest-frame-wins) since start.</param>
/// <param name="FramesGated">Frames the gates decided not to analyse since start.</param>
/// <param name="Analyses">Analyses completed for this camera since start.</param>
/// <param name="AnalysesFailed">Analyses of this camera that ended in an error since start.</param>
/// <param name="Motion">True while the motion gate sees change.</param>
/// <param name="Error">Why the camera is not streaming (the last capture error), null while it streams.</param>
public sealed record CameraStats(
    string Camera,
    string State,
    double CapturedFps,
    long FramesCaptured,
    long FramesDropped,
    long FramesGated,
    long Analyses,
    long AnalysesFailed,
    bool Motion,
    string? Error = null);
