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

    /// <summary>Whether the task should run on a frame seen at <paramref name="now"/>, which showed <paramref name="motion"/>.</summary>
    public bool IsDue(DateTimeOffset now, bool motion)
    {
        if (!Settings.Enabled)
            return false;
        var intervalPassed = LastStarted is not { } last || now - last >= Settings.Interval;
        return Settings.Trigger switch
        {
            TaskTrigger.Interval => intervalPassed,
            // Only frames that show motion are offered to motion tasks, so they analyse the activity itself.
            TaskTrigger.Motion => motion && intervalPassed,
            TaskTrigger.Gpio => Triggered && intervalPassed,
            // Command tasks run only when asked for.
            _ => false,
        };
    }
}
