using Iot.Device.Media;

namespace EdgePali.Agent.Capture;

/// <summary>A real /dev/videoN through Iot.Device.Media's VideoDevice (needs the device; not exercised by the tests).</summary>
internal sealed class V4l2VideoDevice(int deviceIndex) : IV4l2Device
{
    private readonly VideoDevice _device = VideoDevice.Create(new VideoConnectionSettings(deviceIndex, (640, 480), VideoPixelFormat.YUYV));

    public IReadOnlyList<VideoPixelFormat> PixelFormats() => [.. _device.GetSupportedPixelFormats()];

    public IReadOnlyList<Resolution> FrameSizes(VideoPixelFormat format) => [.. _device.GetPixelFormatResolutions(format)];

    public void SetCaptureFormat(uint width, uint height, VideoPixelFormat format)
    {
        _device.Settings.CaptureSize = (width, height);
        _device.Settings.PixelFormat = format;
    }

    public byte[] Capture() => _device.Capture();

    public void Dispose() => _device.Dispose();
}
