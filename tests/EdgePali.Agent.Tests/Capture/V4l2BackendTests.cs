using EdgePali.Agent.Capture;
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Tests.Support;
using Iot.Device.Media;

namespace EdgePali.Agent.Tests.Capture;

/// <summary>
/// The managed V4L2 backend without a camera (none exists on the build machine): source parsing, format and size
/// negotiation against what a device reports, and the whole open/grab/retrieve path on a simulated device.
/// The colour conversion is checked against OpenCV in <see cref="V4l2ConversionTests"/>.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class V4l2BackendTests
{
    private static readonly VideoPixelFormat[] YuyvAndMjpeg = [VideoPixelFormat.MJPEG, VideoPixelFormat.YUYV];

    [Theory]
    [InlineData("/dev/video0", CameraSourceKind.Device, "/dev/video0", 0)]
    [InlineData("/dev/video12", CameraSourceKind.Device, "/dev/video12", 12)]
    [InlineData("2", CameraSourceKind.Device, "/dev/video2", 2)]
    [InlineData(" 3 ", CameraSourceKind.Device, "/dev/video3", 3)]
    [InlineData("/dev/v4l/by-id/usb-cam", CameraSourceKind.Device, "/dev/v4l/by-id/usb-cam", -1)]
    [InlineData("/dev/videoX", CameraSourceKind.Device, "/dev/videoX", -1)]
    [InlineData("rtsp://cam/stream", CameraSourceKind.Url, "rtsp://cam/stream", -1)]
    [InlineData("TestPattern", CameraSourceKind.TestPattern, "testpattern", -1)]
    [InlineData("clips/door.mp4", CameraSourceKind.File, "clips/door.mp4", -1)]
    [InlineData("-1", CameraSourceKind.File, "-1", -1)]
    public void Sources_ParseToKindLocationAndDeviceIndex(string text, CameraSourceKind kind, string location, int index)
    {
        Assert.Equal(new CameraSource(kind, location, index), CameraSource.Parse(text));
    }

    [Theory]
    [InlineData(640, 480, 640, 480)] // offered exactly
    [InlineData(0, 0, 640, 480)] // not configured: 640 x 480
    [InlineData(1280, 720, 1280, 720)]
    [InlineData(1300, 700, 1280, 720)] // nearest
    [InlineData(100, 80, 320, 240)] // below the smallest
    [InlineData(4000, 3000, 1920, 1080)] // above the largest
    [InlineData(800, 600, 640, 480)] // 640x480 is 280 away, 1280x720 600
    public void Discrete_NearestOfferedSize(int width, int height, int expectedWidth, int expectedHeight)
    {
        Resolution[] sizes = [SimulatedV4l2Device.Discrete(320, 240), SimulatedV4l2Device.Discrete(640, 480), SimulatedV4l2Device.Discrete(1280, 720), SimulatedV4l2Device.Discrete(1920, 1080)];

        var chosen = V4l2FormatNegotiation.ChooseSize("/dev/video0", YuyvAndMjpeg, sizes, (uint)width, (uint)height);

        Assert.Equal(((uint)expectedWidth, (uint)expectedHeight), chosen);
    }

    [Theory]
    [InlineData(650, 481, 656, 480)] // on the 16 x 8 grid from 160 x 120
    [InlineData(100, 100, 160, 120)] // clamped to the minimum
    [InlineData(5000, 5000, 1920, 1080)] // clamped to the maximum
    [InlineData(168, 124, 176, 128)] // halfway rounds up
    public void Stepwise_ClosestSizeOnTheStepGrid(int width, int height, int expectedWidth, int expectedHeight)
    {
        Resolution[] sizes = [SimulatedV4l2Device.Stepwise(160, 1920, 16, 120, 1080, 8)];

        var chosen = V4l2FormatNegotiation.ChooseSize("/dev/video0", YuyvAndMjpeg, sizes, (uint)width, (uint)height);

        Assert.Equal(((uint)expectedWidth, (uint)expectedHeight), chosen);
    }

    [Fact]
    public void Continuous_TakesTheRequestWithinRange_AndNoSizesReported_TakesTheRequest()
    {
        var continuous = new Resolution { Type = ResolutionType.Continuous, MinWidth = 64, MaxWidth = 4096, MinHeight = 48, MaxHeight = 2160 };

        Assert.Equal((999u, 555u), V4l2FormatNegotiation.ChooseSize("/dev/video0", YuyvAndMjpeg, [continuous], 999, 555));
        Assert.Equal((1024u, 768u), V4l2FormatNegotiation.ChooseSize("/dev/video0", YuyvAndMjpeg, [], 1024, 768));
    }

    [Fact]
    public void NoYuyv_IsRefusedNamingWhatTheDeviceOffers_AndTheFix()
    {
        var e = Assert.Throws<CameraSourceException>(() =>
            V4l2FormatNegotiation.ChooseSize("/dev/video4", [VideoPixelFormat.MJPEG, VideoPixelFormat.H264], [], 640, 480));

        Assert.Equal("'/dev/video4' does not offer YUYV frames (it offers MJPEG, H264); the v4l2 backend converts YUYV only. Use Backend=opencv with OpenCvSharpExtern installed (docs/deploy.md), or another camera.", e.Message);
    }

    [Fact]
    public void SimulatedDevice_OpenNegotiatesYuyvAtTheNearestSize_AndFramesConvertToBgr()
    {
        var device = new SimulatedV4l2Device(YuyvAndMjpeg, [SimulatedV4l2Device.Discrete(320, 240), SimulatedV4l2Device.Discrete(640, 480)]);
        using var source = new V4l2FrameSource(CameraSource.Parse("/dev/video1"), 300, 200, index => index == 1 ? device : throw new InvalidOperationException($"opened video{index}"));
        var frame = new FrameBuffer();

        source.Open();
        Assert.True(source.Grab());
        source.Retrieve(frame);

        Assert.Equal((320u, 240u, VideoPixelFormat.YUYV), device.Requested);
        Assert.Equal((320, 240), (frame.Width, frame.Height));
        // Every pixel pure red (BGR 0, 0, 255 within the conversion's rounding).
        for (var i = 0; i < frame.Width * frame.Height * 3; i += 3)
        {
            Assert.InRange(frame.Pixels[i], 0, 3);
            Assert.InRange(frame.Pixels[i + 1], 0, 3);
            Assert.InRange(frame.Pixels[i + 2], 252, 255);
        }
    }

    [Fact]
    public void SimulatedDevice_DriverRoundsTheHeight_TheBufferDecides()
    {
        var device = new SimulatedV4l2Device(YuyvAndMjpeg, []) { NextFrame = new byte[640 * 472 * 2] };
        using var source = new V4l2FrameSource(CameraSource.Parse("0"), 640, 480, _ => device);
        var frame = new FrameBuffer();

        source.Open();
        source.Grab();
        source.Retrieve(frame);

        Assert.Equal((640, 472), (frame.Width, frame.Height));
    }

    [Fact]
    public void SimulatedDevice_Faults_BecomeCameraSourceErrorsThatSayWhat()
    {
        var mjpegOnly = new SimulatedV4l2Device([VideoPixelFormat.MJPEG], []);
        using var refused = new V4l2FrameSource(CameraSource.Parse("/dev/video0"), 0, 0, _ => mjpegOnly);
        Assert.Contains("does not offer YUYV frames (it offers MJPEG)", Assert.Throws<CameraSourceException>(refused.Open).Message, StringComparison.Ordinal);

        using var noAccess = new V4l2FrameSource(CameraSource.Parse("/dev/video0"), 0, 0, _ => throw new UnauthorizedAccessException("Permission denied"));
        Assert.Equal("cannot open '/dev/video0' with V4L2: Permission denied (is the user in group video?).", Assert.Throws<CameraSourceException>(noAccess.Open).Message);

        var failing = new SimulatedV4l2Device(YuyvAndMjpeg, []) { CaptureFails = new IOException("VIDIOC_DQBUF: No such device") };
        using var unplugged = new V4l2FrameSource(CameraSource.Parse("/dev/video0"), 0, 0, _ => failing);
        unplugged.Open();
        Assert.Equal("'/dev/video0' failed to deliver a frame: VIDIOC_DQBUF: No such device", Assert.Throws<CameraSourceException>(() => unplugged.Grab()).Message);

        var torn = new SimulatedV4l2Device(YuyvAndMjpeg, []) { NextFrame = new byte[1000] };
        using var truncated = new V4l2FrameSource(CameraSource.Parse("/dev/video0"), 640, 480, _ => torn);
        truncated.Open();
        truncated.Grab();
        Assert.Equal("'/dev/video0' delivered 1000 bytes, not whole rows of a 640-pixel-wide YUYV frame (1280 bytes per row).", Assert.Throws<CameraSourceException>(() => truncated.Retrieve(new FrameBuffer())).Message);

        using var notADevice = new V4l2FrameSource(CameraSource.Parse("/dev/v4l/by-id/usb-cam"), 0, 0, _ => throw new InvalidOperationException("must not open"));
        Assert.Contains("the v4l2 backend needs /dev/videoN or an index", Assert.Throws<CameraSourceException>(notADevice.Open).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RealDevice_MissingNode_IsNamed()
    {
        using var source = new V4l2FrameSource(CameraSource.Parse("/dev/video97"), 0, 0);

        Assert.Equal("'/dev/video97' does not exist (camera unplugged, or not passed into the container/service).", Assert.Throws<CameraSourceException>(source.Open).Message);
    }
}
