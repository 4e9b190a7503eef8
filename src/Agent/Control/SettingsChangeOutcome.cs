using EdgePali.Agent.Tasks;

namespace EdgePali.Agent.Control;

/// <summary>The result of <see cref="ICameraControl.ApplySettingsAsync"/>.</summary>
/// <param name="Applied">True when the desired settings are now in force.</param>
/// <param name="Current">The settings in force after the call (unchanged when rejected).</param>
/// <param name="Error">Why the change was rejected, naming the field and the fix; null when applied.</param>
public sealed record SettingsChangeOutcome(bool Applied, CameraSettings Current, string? Error)
{
    public static SettingsChangeOutcome Accepted(CameraSettings current) => new(true, current, null);

    public static SettingsChangeOutcome Rejected(CameraSettings current, string error) => new(false, current, error);
}
