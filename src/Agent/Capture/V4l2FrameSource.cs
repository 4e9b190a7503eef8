using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using Iot.Device.Media;

namespace EdgePali.Agent.Capture;

/// <summary>
/// Managed V4L2 capture (Iot.Device.Media.VideoDevice) for boards where OpenCvSharp's native library is not
/// installed. Negotiates YUYV (every UVC webcam and the Pi's ISP offer it) at the offered size nearest the
/// requested one (<see cref="V4l2FormatNegotiation"/>) and converts to BGR24 in managed code. VideoDevice.Capture()
/// starts streaming, takes one frame and stops, and returns a new array: slower and allocating per frame, which is
/// acceptable at the few frames per second the gates need; OpenCV stays the default where it is available. The
/// tests drive it through a simulated device (negotiation, capture, conversion, faults); the real ioctl path needs
/// a /dev/video device the build machine does not have.
/// </summary>
public sealed class V4l2FrameSource : IFrameSource
{
    private readonly CameraSource _source;
    private readonly uint _requestedWidth;
    private readonly uint _requestedHeight;
    private readonly Func<int, IV4l2Device> _openDevice;
    private IV4l2Device? _device;
    private byte[]? _yuyv;

    public V4l2FrameSource(CameraSource source, int width, int height)
        : this(source, width, height, OpenRealDevice)
    {
    }

    internal V4l2FrameSource(CameraSource source, int width, int height, Func<int, IV4l2Device> openDevice)
    {
        _source = source;
        _requestedWidth = (uint)Math.Max(width, 0);
        _requestedHeight = (uint)Math.Max(height, 0);
        _openDevice = openDevice;
    }

    /// <summary>The negotiated capture size (0 x 0 before <see cref="Open"/>).</summary>
    public (uint Width, uint Height) CaptureSize { get; private set; }

    // Each Grab is a fresh single capture, so nothing queues up and goes stale.
    public bool IsLive => false;

    public void Open()
    {
        if (_source.DeviceIndex < 0)
            throw new CameraSourceException($"the v4l2 backend needs /dev/videoN or an index, not '{_source.Location}'.");
        try
        {
            _device = _openDevice(_source.DeviceIndex);
            var formats = _device.PixelFormats();
            var sizes = formats.Contains(VideoPixelFormat.YUYV) ? _device.FrameSizes(VideoPixelFormat.YUYV) : [];
            CaptureSize = V4l2FormatNegotiation.ChooseSize(_source.Location, formats, sizes, _requestedWidth, _requestedHeight);
            _device.SetCaptureFormat(CaptureSize.Width, CaptureSize.Height, VideoPixelFormat.YUYV);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new CameraSourceException($"cannot open '{_source.Location}' with V4L2: {e.Message} (is the user in group video?).", e);
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
            throw new CameraSourceException($"'{_source.Location}' failed to deliver a frame: {e.Message}", e);
        }

        return _yuyv is { Length: > 0 };
    }

    public void Retrieve(FrameBuffer target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var yuyv = _yuyv ?? throw new InvalidOperationException("Grab a frame first.");
        // The driver keeps the negotiated width; it may still round the height, so the buffer decides it (2 bytes per pixel).
        var w = (int)CaptureSize.Width;
        var h = yuyv.Length / 2 / w;
        if (h <= 0 || yuyv.Length % (2 * w) != 0)
            throw new CameraSourceException($"'{_source.Location}' delivered {yuyv.Length} bytes, not whole rows of a {w}-pixel-wide YUYV frame ({2 * w} bytes per row).");
        target.SetSize(w, h);
        YuyvToBgr(yuyv, target.Pixels);
    }

    public void Dispose() => _device?.Dispose();

    private static IV4l2Device OpenRealDevice(int deviceIndex)
    {
        var path = $"/dev/video{deviceIndex}";
        if (!File.Exists(path))
            throw new CameraSourceException($"'{path}' does not exist (camera unplugged, or not passed into the container/service).");
        return new V4l2VideoDevice(deviceIndex);
    }

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
