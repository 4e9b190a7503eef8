using EdgePali.Agent.Tasks;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Pipeline;

/// <summary>One task of a camera as the scheduler runs it: its settings, the engine task and its trigger state.</summary>
internal sealed class ScheduledTask(TaskSettings settings, VisionTask vision, int maxNewTokens)
{
    public TaskSettings Settings { get; } = settings;

    public VisionTask Vision { get; } = vision;

    /// <summary>Token cap for the engine (the kind's default when not configured).</summary>
    public int MaxNewTokens { get; } = maxNewTokens > 0 ? maxNewTokens : vision.DefaultMaxNewTokens;

    public string Name => Settings.Name;

    /// <summary>When the last analysis of this task started; null before the first.</summary>
    public DateTimeOffset? LastStarted { get; set; }

    /// <summary>A GPIO edge was seen and the task has not run since.</summary>
    public bool Triggered { get; set; }
}
