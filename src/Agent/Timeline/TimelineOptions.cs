namespace EdgePali.Agent.Timeline;

/// <summary>Section "Timeline": the searchable history of results kept on the device (SQLite in Agent:StateDirectory).</summary>
public sealed class TimelineOptions
{
    public const string Section = "Timeline";

    /// <summary>False keeps no history (the status page then shows only each task's last result).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Results older than this are deleted.</summary>
    public double MaxAgeHours { get; set; } = 7 * 24;

    /// <summary>The database (results, thumbnails) is kept below this size; the oldest results go first.</summary>
    public double MaxMegabytes { get; set; } = 64;

    /// <summary>Width of the snapshot thumbnail stored with each result (0: none). Needs Snapshots:Enabled.</summary>
    public int ThumbnailWidth { get; set; } = 320;
}
