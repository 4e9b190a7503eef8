
using EdgePali.Agent.Pipeline;

namespace EdgePali.Agent.Devices;

/// <summary>"Label seen on camera": matches a result whose objects carry the label, or (text tasks) whose text contains it.</summary>
public sealed record OutputRule(string Label, string? Camera)
{
    public bool Matches(PublishedResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (Camera is not null && !string.Equals(Camera, result.Camera, StringComparison.OrdinalIgnoreCase))
            return false;
        if (result.Result.Objects.Count > 0)
            return result.Result.Objects.Any(o => string.Equals(o.Label.Trim(), Label, StringComparison.OrdinalIgnoreCase));
        return result.Result.Task.Kind is not ("detect" or "segment")
            && result.Result.Text.Contains(Label, StringComparison.OrdinalIgnoreCase);
    }
}
