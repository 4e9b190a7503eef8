namespace EdgePali.Agent.Pipeline;

/// <summary>A camera's connection state, reported in the stats ("connecting", "streaming", ...).</summary>
public enum CameraState
{
    Connecting,
    Streaming,
    Reconnecting,
    Stopped,
    Disabled,
}
