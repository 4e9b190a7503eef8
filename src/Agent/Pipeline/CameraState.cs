namespace EdgePali.Agent.Pipeline;

/// <summary>A camera's connection state, reported in the stats and on MQTT ("connecting", "streaming", ...).</summary>
public enum CameraState
{
    /// <summary>The first connection attempt since start.</summary>
    Connecting,

    /// <summary>Frames arrive.</summary>
    Streaming,

    /// <summary>A stream that worked ended, stalled or failed; a new attempt follows (or is in progress).</summary>
    Reconnecting,

    /// <summary>The last attempt did not deliver a frame (unplugged, file gone, host down); retried with backoff.</summary>
    Offline,

    /// <summary>The worker stops.</summary>
    Stopped,

    /// <summary>Disabled in the configuration.</summary>
    Disabled,
}
