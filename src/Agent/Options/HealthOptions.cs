namespace EdgePali.Agent.Options;

/// <summary>Section "Health": when the systemd watchdog stops being fed.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>
    /// A loop (a camera's capture loop, the analysis scheduler between analyses) that did not come round for this long
    /// counts as hung. A capture loop that is retrying a camera which is gone still comes round: an unplugged camera
    /// is reported as offline, not restarted.
    /// </summary>
    public double CaptureStallSeconds { get; set; } = 60;

    /// <summary>One analysis running longer than this counts as a hung model. Leave room: a 3B model on a Pi 5 CPU takes tens of seconds.</summary>
    public double AnalysisStallSeconds { get; set; } = 600;

    /// <summary>
    /// This many analyses failing in a row (none succeeding in between) counts as a broken model or runtime: the
    /// watchdog stops being fed, so systemd restarts the service, and the log says why.
    /// </summary>
    public int MaxConsecutiveFailedAnalyses { get; set; } = 5;
}
