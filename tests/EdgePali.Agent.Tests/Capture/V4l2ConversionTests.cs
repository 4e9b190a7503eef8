
using EdgePali.Agent.Capture;

namespace EdgePali.Agent.Tests.Capture;

/// <summary>
/// The managed V4L2 backend's colour conversion (the capture itself needs a /dev/video device, which this
/// machine does not have). Reference values: BT.601 limited range, as OpenCV's COLOR_YUV2BGR_YUYV.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class V4l2ConversionTests
{
    [Theory]
    [InlineData(16, 128, 128, 0, 0, 0)] // black
    [InlineData(235, 128, 128, 255, 255, 255)] // white
    [InlineData(81, 90, 240, 0, 0, 255)] // red (BGR 0,0,255)
    [InlineData(145, 54, 34, 0, 255, 0)] // green
    [InlineData(41, 240, 110, 255, 0, 0)] // blue
    public void YuyvToBgr_MatchesOpenCv(byte y, byte u, byte v, byte b, byte g, byte r)
    {
        byte[] yuyv = [y, u, y, v];
        var bgr = new byte[6];

        V4l2FrameSource.YuyvToBgr(yuyv, bgr);

        using var mat = OpenCvSharp.Mat.FromPixelData(1, 2, OpenCvSharp.MatType.CV_8UC2, yuyv);
        using var expected = new OpenCvSharp.Mat();
        OpenCvSharp.Cv2.CvtColor(mat, expected, OpenCvSharp.ColorConversionCodes.YUV2BGR_YUYV);
        expected.GetArray(out OpenCvSharp.Vec3b[] reference);
        for (var i = 0; i < 2; i++)
        {
            Assert.InRange(bgr[(i * 3) + 0], reference[i].Item0 - 2, reference[i].Item0 + 2);
            Assert.InRange(bgr[(i * 3) + 1], reference[i].Item1 - 2, reference[i].Item1 + 2);
            Assert.InRange(bgr[(i * 3) + 2], reference[i].Item2 - 2, reference[i].Item2 + 2);
            Assert.InRange(bgr[(i * 3) + 0], b - 3, b + 3);
            Assert.InRange(bgr[(i * 3) + 1], g - 3, g + 3);
            Assert.InRange(bgr[(i * 3) + 2], r - 3, r + 3);
        }
    }
}
