
using EdgePali.Agent.Options;

namespace EdgePali.Agent.Capture;

/// <summary>Makes a new source for a camera each time it (re)connects.</summary>
public interface IFrameSourceFactory
{
    IFrameSource Create(CameraOptions camera);

    /// <summary>Why the backend this camera would use cannot work on this machine (e.g. OpenCV's native library is missing), or null.</summary>
    string? CheckBackend(CameraOptions camera);
}
