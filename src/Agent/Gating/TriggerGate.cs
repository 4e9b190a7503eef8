using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Tasks;

namespace EdgePali.Agent.Gating;

/// <summary>
/// The interval and trigger gate: whether a task runs on a frame, from its trigger (interval, motion, gpio, command),
/// its interval since the last run, and the motion gate's verdict on that frame.
/// </summary>
internal static class TriggerGate
{
    /// <summary>Offers <paramref name="frame"/> to the camera's model queue when any task is due on it; false when it is gated out.</summary>
    public static bool Offer(CameraRuntime camera, FrameBuffer frame, bool motion) =>
        camera.OfferFrame(frame, (frame.Timestamp, motion), static (task, seen) => IsDue(task, seen.Timestamp, seen.motion));

    /// <summary>Whether <paramref name="task"/> should run on a frame seen at <paramref name="now"/>, which showed <paramref name="motion"/>.</summary>
    public static bool IsDue(ScheduledTask task, DateTimeOffset now, bool motion)
    {
        if (!task.Settings.Enabled)
            return false;
        var intervalPassed = task.LastStarted is not { } last || now - last >= task.Settings.Interval;
        return task.Settings.Trigger switch
        {
            TaskTrigger.Interval => intervalPassed,
            // Only frames that show motion are offered to motion tasks, so they analyse the activity itself.
            TaskTrigger.Motion => motion && intervalPassed,
            TaskTrigger.Gpio => task.Triggered && intervalPassed,
            // Command tasks run only when asked for.
            _ => false,
        };
    }
}
