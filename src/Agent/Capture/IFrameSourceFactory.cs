using EdgePali.Agent.Options;

namespace EdgePali.Agent.Capture;

/// <summary>Makes a new source for a camera each time it (re)connects.</summary>
public interface IFrameSourceFactory
{
    IFrameSource Create(CameraOptions camera);
}
