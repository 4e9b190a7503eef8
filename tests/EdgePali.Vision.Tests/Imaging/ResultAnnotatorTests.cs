using EdgePali.Vision.Imaging;
using EdgePali.Vision.Tasks;
using OpenCvSharp;

namespace EdgePali.Vision.Tests.Imaging;

public sealed class ResultAnnotatorTests
{
    private const int Width = 640;
    private const int Height = 480;
    private static readonly Vec3b Grey = new(128, 128, 128);
    private static readonly StageTimings NoTimings = new(0, 0, 0, 0, 0, 0);

    private static Mat GreyFrame() => new(Height, Width, MatType.CV_8UC3, new Scalar(128, 128, 128));

    private static DetectedObject Box(string label, float x1, float y1, float x2, float y2, float score = 0.87f, ObjectMask? mask = null) =>
        new(label, score, new BoxF(x1, y1, x2, y2), new BoxF(x1 / Width, y1 / Height, x2 / Width, y2 / Height), Mask: mask);

    private static AnalysisResult Result(VisionTask task, string text, params DetectedObject[] objects) =>
        new(task, text, [], objects, NoTimings);

    [Fact]
    public void Boxes_ColourTheirEdges_AndLeaveTheRestAlone()
    {
        using var frame = GreyFrame();
        var result = Result(new DetectTask(["car"]), "<loc..> car", Box("car", 100, 200, 400, 420));

        using var annotated = ResultAnnotator.Annotate(frame, result);

        var colour = ResultAnnotator.ColourOf("car");
        var edge = annotated.At<Vec3b>(300, 100); // left edge, y = 300
        Assert.Equal(new Vec3b((byte)colour.Val0, (byte)colour.Val1, (byte)colour.Val2), edge);
        Assert.NotEqual(Grey, annotated.At<Vec3b>(420, 250)); // bottom edge
        Assert.Equal(Grey, annotated.At<Vec3b>(310, 250));    // inside, no mask
        Assert.Equal(Grey, annotated.At<Vec3b>(20, 600));     // far outside
        Assert.NotEqual(Grey, annotated.At<Vec3b>(190, 110)); // the label tag above the box
        Assert.Equal(Grey, frame.At<Vec3b>(300, 100));        // the input frame is untouched
    }

    [Fact]
    public void Mask_TintsOnlyThePixelsInsideIt()
    {
        // A 200x100 mask over the box at (100, 200), set on its left half only.
        var bits = new byte[ObjectMask.ByteCount(200, 100)];
        for (var y = 0; y < 100; y++)
        {
            for (var x = 0; x < 100; x++)
            {
                var n = (y * 200) + x;
                bits[n >> 3] |= (byte)(0x80 >> (n & 7));
            }
        }

        using var frame = GreyFrame();
        var result = Result(new SegmentTask(["cat"]), "", Box("cat", 100, 200, 300, 300, mask: new ObjectMask(100, 200, 200, 100, bits)));

        using var annotated = ResultAnnotator.Annotate(frame, result);

        Assert.NotEqual(Grey, annotated.At<Vec3b>(250, 150)); // inside the mask
        Assert.Equal(Grey, annotated.At<Vec3b>(250, 250));    // inside the box, outside the mask
        // Translucent: 45% label colour over 55% frame.
        var tinted = annotated.At<Vec3b>(250, 150);
        var colour = ResultAnnotator.ColourOf("cat");
        Assert.InRange(tinted.Item0, (0.55 * 128) + (0.45 * colour.Val0) - 1, (0.55 * 128) + (0.45 * colour.Val0) + 1);
        Assert.InRange(tinted.Item1, (0.55 * 128) + (0.45 * colour.Val1) - 1, (0.55 * 128) + (0.45 * colour.Val1) + 1);
        Assert.InRange(tinted.Item2, (0.55 * 128) + (0.45 * colour.Val2) - 1, (0.55 * 128) + (0.45 * colour.Val2) + 1);
    }

    [Fact]
    public void ScaledCopy_GetsTheBoxAtTheSameRelativePlace()
    {
        using var frame = GreyFrame();
        using var small = new Mat();
        Cv2.Resize(frame, small, new Size(Width / 2, Height / 2));
        var result = Result(new DetectTask(["car"]), "", Box("car", 100, 200, 400, 420));

        ResultAnnotator.Draw(small, result);

        Assert.NotEqual(Grey, small.At<Vec3b>(150, 50)); // left edge at x = 100 / 2
        Assert.Equal(Grey, small.At<Vec3b>(155, 125));
    }

    [Fact]
    public void Caption_IsWrittenOnABandAtTheTop()
    {
        using var frame = GreyFrame();
        var caption = "a grey wall with nothing on it, photographed in flat light on a very ordinary afternoon in late autumn";

        using var annotated = ResultAnnotator.Annotate(frame, Result(new CaptionTask(), caption));

        var top = annotated[new Rect(0, 0, Width, 30)];
        Assert.True(Cv2.Mean(top).Val0 < 100, "the band darkens the top rows");
        Assert.Equal(Grey, annotated.At<Vec3b>(Height - 5, Width / 2));
        // Long text wraps: the second line has ink too.
        Assert.True(Cv2.Mean(annotated[new Rect(0, 40, Width, 25)]).Val0 < 110);
    }

    [Fact]
    public void JpegSnapshot_FitsUnderTheCap()
    {
        using var noisy = new Mat(720, 1280, MatType.CV_8UC3);
        Cv2.Randu(noisy, new Scalar(0, 0, 0), new Scalar(255, 255, 255));

        var large = JpegSnapshotEncoder.Encode(noisy, 10_000_000);
        var capped = JpegSnapshotEncoder.Encode(noisy, 60_000);

        Assert.True(capped.Length <= 60_000, $"{capped.Length} bytes");
        Assert.True(large.Length > 60_000, "the uncapped encoding is bigger, so the cap did something");
        using var decoded = Cv2.ImDecode(capped, ImreadModes.Color);
        Assert.False(decoded.Empty());
        Assert.InRange(decoded.Width / (double)decoded.Height, (1280 / 720.0) - 0.02, (1280 / 720.0) + 0.02); // scaled, never cropped
    }

    [Fact]
    public void JpegSnapshot_ThatCannotFit_SaysSo()
    {
        using var noisy = new Mat(240, 320, MatType.CV_8UC3);
        Cv2.Randu(noisy, new Scalar(0, 0, 0), new Scalar(255, 255, 255));

        var error = Assert.Throws<InvalidOperationException>(() => JpegSnapshotEncoder.Encode(noisy, 50));

        Assert.Contains("Raise the size cap", error.Message, StringComparison.Ordinal);
    }
}
