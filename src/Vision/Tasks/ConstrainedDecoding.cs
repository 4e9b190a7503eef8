namespace EdgePali.Vision.Tasks;

/// <summary>Turning constrained decoding on or off for the tasks that have it (detect and segment).</summary>
public static class ConstrainedDecoding
{
    /// <summary>Whether <paramref name="task"/>'s kind can be decoded under a grammar.</summary>
    public static bool Applies(VisionTask task) => task is DetectTask or SegmentTask;

    /// <summary><paramref name="task"/> with constrained decoding set to <paramref name="constrained"/>; other kinds unchanged.</summary>
    public static VisionTask WithConstrained(this VisionTask task, bool constrained) => task switch
    {
        DetectTask d => d with { Constrained = constrained },
        SegmentTask s => s with { Constrained = constrained },
        _ => task,
    };
}
