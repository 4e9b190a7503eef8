namespace EdgePali.Agent.Capture;

/// <summary>A camera's connection state, reported in the stats ("connecting", "streaming", ...).</summary>
public enum CameraState
{
    Connecting,
    Streaming,
    Reconnecting,
    Stopped,
    Disabled,
}
