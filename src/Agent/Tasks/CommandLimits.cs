namespace EdgePali.Agent.Tasks;

/// <summary>Bounds on what a remote command may ask for; anything beyond is refused with a message naming the bound.</summary>
/// <param name="MaxPromptLength">Longest prompt or question, in characters.</param>
/// <param name="MaxLabels">Most labels in one detect/segment task.</param>
/// <param name="MaxLabelLength">Longest label, in characters.</param>
/// <param name="MaxTasks">Most tasks per camera.</param>
/// <param name="MinInterval">Shortest task interval.</param>
/// <param name="MaxInterval">Longest task interval.</param>
public sealed record CommandLimits(
    int MaxPromptLength = 500,
    int MaxLabels = 16,
    int MaxLabelLength = 64,
    int MaxTasks = 16,
    double MinIntervalSeconds = 1,
    double MaxIntervalSeconds = 86400)
{
    /// <summary>Longest request id echoed back, in characters.</summary>
    public const int MaxIdLength = 128;
}
