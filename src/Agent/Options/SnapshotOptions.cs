namespace EdgePali.Agent.Options;

/// <summary>Section "Snapshots": an annotated JPEG attached to each result (MQTT `{camera}/snapshot`).</summary>
public sealed class SnapshotOptions
{
    public const string Section = "Snapshots";

    public bool Enabled { get; set; } = true;

    /// <summary>Snapshot height in pixels (the width follows the aspect ratio); 0 keeps the frame size.</summary>
    public int Height { get; set; } = 360;

    /// <summary>JPEG quality 1..100.</summary>
    public int Quality { get; set; } = 70;
}
