namespace EdgePali.Agent.Options;

/// <summary>"Cameras:N:Motion": the motion gate, run on a small grey copy of every captured frame.</summary>
public sealed class MotionOptions
{
    /// <summary>Width of the grey copy in pixels (height follows the aspect ratio).</summary>
    public int Width { get; set; } = 96;

    /// <summary>A pixel changed when its grey level moved by more than this (0..255).</summary>
    public int Threshold { get; set; } = 25;

    /// <summary>Motion when at least this fraction (0..1) of the unmasked area changed.</summary>
    public double MinChangedArea { get; set; } = 0.005;

    /// <summary>The reported motion state (stats, Home Assistant's motion sensor) turns off after this long without change.</summary>
    public double OffDelaySeconds { get; set; } = 5;

    /// <summary>
    /// Areas to ignore (clocks, trees, a busy road): polygons as "x1,y1,x2,y2,x3,y3[,...]" in 0..1
    /// of the frame's width and height.
    /// </summary>
    public List<string> Masks { get; set; } = [];
}
