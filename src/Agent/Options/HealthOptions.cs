namespace EdgePali.Agent.Options;

/// <summary>Section "Health": when the systemd watchdog stops being fed.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>A camera loop that made no progress (no frame, no reconnect attempt) for this long counts as hung.</summary>
    public double CaptureStallSeconds { get; set; } = 60;

    /// <summary>One analysis running longer than this counts as a hung model. Leave room: a 3B model on a Pi 5 CPU takes tens of seconds.</summary>
    public double AnalysisStallSeconds { get; set; } = 600;

    /// <summary>
    /// This many analyses failing in a row (none succeeding in between) counts as a broken model or runtime: the
    /// watchdog stops being fed, so systemd restarts the service, and the log says why.
    /// </summary>
    public int MaxConsecutiveFailedAnalyses { get; set; } = 5;
}
