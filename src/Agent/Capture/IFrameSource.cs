using EdgePali.Agent.Pipeline;

namespace EdgePali.Agent.Capture;

/// <summary>
/// A camera backend. Calls block (native capture APIs do), so one dedicated thread drives a source; a
/// source that blocks too long is abandoned by <see cref="CameraCapture"/> and disposed when it returns.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>
    /// True when the source produces frames on its own clock (devices, streams): it must be grabbed
    /// continuously so its queue never holds stale frames, and only the frames due are retrieved.
    /// False when frames are made on demand (files, test pattern): the caller paces the grabs.
    /// </summary>
    bool IsLive { get; }

    /// <summary>Opens the source; throws <see cref="CameraSourceException"/> saying why it cannot.</summary>
    void Open();

    /// <summary>Takes the next frame from the source without converting it. False when the source ended.</summary>
    bool Grab();

    /// <summary>Converts the last grabbed frame into <paramref name="target"/> (BGR24).</summary>
    void Retrieve(FrameBuffer target);
}
