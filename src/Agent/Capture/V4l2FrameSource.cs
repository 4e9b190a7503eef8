using Iot.Device.Media;

namespace EdgePali.Agent.Capture;

/// <summary>
/// Managed V4L2 capture (Iot.Device.Media.VideoDevice) for boards where OpenCvSharp's native library is not
/// installed. Asks the driver for YUYV (every UVC webcam and the Pi's ISP offer it) and converts to BGR24
/// in managed code. VideoDevice.Capture() starts streaming, takes one frame and stops, and returns a new
/// array: slower and allocating per frame, which is acceptable at the few frames per second the gates
/// need; OpenCV stays the default where it is available. Needs a real /dev/video device: not exercised by
/// the tests on a machine without one.
/// </summary>
public sealed class V4l2FrameSource(CameraSource source, int width, int height) : IFrameSource
{
    private readonly uint _width = (uint)(width > 0 ? width : 640);
    private readonly uint _height = (uint)(height > 0 ? height : 480);
    private VideoDevice? _device;
    private byte[]? _yuyv;

    // Each Grab is a fresh single capture, so nothing queues up and goes stale.
    public bool IsLive => false;

    public void Open()
    {
        if (source.DeviceIndex < 0)
            throw new CameraSourceException($"the v4l2 backend needs /dev/videoN or an index, not '{source.Location}'.");
        if (!File.Exists(source.Location))
            throw new CameraSourceException($"'{source.Location}' does not exist (camera unplugged, or not passed into the container/service).");
        try
        {
            _device = VideoDevice.Create(new VideoConnectionSettings(source.DeviceIndex, (_width, _height), VideoPixelFormat.YUYV));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new CameraSourceException($"cannot open '{source.Location}' with V4L2: {e.Message} (is the user in group video?).", e);
        }
    }

    public bool Grab()
    {
        var device = _device ?? throw new InvalidOperationException("Open the source first.");
        try
        {
            _yuyv = device.Capture();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            throw new CameraSourceException($"'{source.Location}' failed to deliver a frame: {e.Message}", e);
        }

        return _yuyv is { Length: > 0 };
    }

    public void Retrieve(FrameBuffer target)
    {
        var yuyv = _yuyv ?? throw new InvalidOperationException("Grab a frame first.");
        // The driver may round the size; trust the buffer: 2 bytes per pixel.
        var w = (int)_width;
        var h = yuyv.Length / 2 / w;
        if (h <= 0)
            throw new CameraSourceException($"'{source.Location}' delivered {yuyv.Length} bytes, too few for a {w}-pixel-wide YUYV frame.");
        target.SetSize(w, h);
        YuyvToBgr(yuyv.AsSpan(0, w * h * 2), target.Pixels);
    }

    public void Dispose() => _device?.Dispose();

    /// <summary>YUYV 4:2:2 (Y0 U Y1 V per two pixels) to BGR24 with BT.601 limited-range coefficients, in integers.</summary>
    internal static void YuyvToBgr(ReadOnlySpan<byte> yuyv, Span<byte> bgr)
    {
        for (int i = 0, o = 0; i + 3 < yuyv.Length; i += 4, o += 6)
        {
            var u = yuyv[i + 1] - 128;
            var v = yuyv[i + 3] - 128;
            var rv = 409 * v;
            var guv = (-100 * u) - (208 * v);
            var bu = 516 * u;
            Pixel(yuyv[i], rv, guv, bu, bgr.Slice(o, 3));
            Pixel(yuyv[i + 2], rv, guv, bu, bgr.Slice(o + 3, 3));
        }
    }

    private static void Pixel(int y, int rv, int guv, int bu, Span<byte> bgr)
    {
        var c = 298 * (y - 16);
        bgr[0] = Clamp((c + bu + 128) >> 8);
        bgr[1] = Clamp((c + guv + 128) >> 8);
        bgr[2] = Clamp((c + rv + 128) >> 8);
    }

    private static byte Clamp(int value) => (byte)Math.Clamp(value, 0, 255);
}
