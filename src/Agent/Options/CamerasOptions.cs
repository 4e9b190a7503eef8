namespace EdgePali.Agent.Options;

/// <summary>
/// Section "Cameras": the list of cameras. With no camera configured the worker runs the embedded
/// default, a <c>testpattern</c> camera "demo" with a caption every 10 s and person detection on motion.
/// </summary>
public sealed class CamerasOptions
{
    public const string Section = "Cameras";

    public List<CameraOptions> Items { get; set; } = [];

    /// <summary>The embedded default used when the configuration has no "Cameras" section.</summary>
    public static CameraOptions DefaultCamera() => new()
    {
        Name = "demo",
        Source = "testpattern",
        Tasks =
        [
            new TaskOptions { Name = "caption", Task = "caption", Trigger = "interval", IntervalSeconds = 10 },
            new TaskOptions { Name = "detect", Task = "detect", Labels = ["person"], Trigger = "motion", IntervalSeconds = 5 },
        ],
    };
}
