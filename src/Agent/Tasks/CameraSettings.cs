namespace EdgePali.Agent.Tasks;

/// <summary>A camera's remotely changeable settings, as published retained on `{prefix}/{device}/{camera}/state`.</summary>
/// <param name="Camera">The camera's configured name.</param>
/// <param name="Enabled">False pauses every task of the camera (capture may continue).</param>
/// <param name="Tasks">The camera's analysis tasks; names are unique within the camera.</param>
public sealed record CameraSettings(string Camera, bool Enabled, IReadOnlyList<TaskSettings> Tasks);
