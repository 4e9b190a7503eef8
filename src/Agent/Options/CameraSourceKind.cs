namespace EdgePali.Agent.Options;

/// <summary>What a camera's Source setting points at.</summary>
public enum CameraSourceKind
{
    /// <summary>A V4L2 device: /dev/videoN or the index N.</summary>
    Device,

    /// <summary>A network stream: rtsp://, http://, https://, ...</summary>
    Url,

    /// <summary>A video file.</summary>
    File,

    /// <summary>The generated moving scene.</summary>
    TestPattern,
}
