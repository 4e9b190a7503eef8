using Iot.Device.Media;

namespace EdgePali.Agent.Capture;

/// <summary>
/// What the managed V4L2 backend needs from a video device: the formats and frame sizes it offers, a capture
/// size to ask for, and single-frame capture. <see cref="V4l2VideoDevice"/> is the real one (Iot.Device.Media);
/// tests use a simulated device, as no camera exists on the build machine.
/// </summary>
internal interface IV4l2Device : IDisposable
{
    /// <summary>The pixel formats the device offers (VIDIOC_ENUM_FMT).</summary>
    IReadOnlyList<VideoPixelFormat> PixelFormats();

    /// <summary>The frame sizes the device offers for <paramref name="format"/> (VIDIOC_ENUM_FRAMESIZES); may be empty.</summary>
    IReadOnlyList<Resolution> FrameSizes(VideoPixelFormat format);

    /// <summary>Sets the size and format the next captures ask the driver for.</summary>
    void SetCaptureFormat(uint width, uint height, VideoPixelFormat format);

    /// <summary>Captures one frame in the set format; the driver may have adjusted the size.</summary>
    byte[] Capture();
}
