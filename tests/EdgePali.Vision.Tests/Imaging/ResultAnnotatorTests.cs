using EdgePali.Vision.Imaging;
using EdgePali.Vision.Tasks;

namespace EdgePali.Vision.Tests.Imaging;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class ResultAnnotatorTests
{
    private const int Width = 640;
    private const int Height = 480;
    private static readonly BgrColour Grey = new(128, 128, 128);
    private static readonly StageTimings NoTimings = new(0, 0, 0, 0, 0, 0);

    private static ImageFrame GreyFrame(int width = Width, int height = Height)
    {
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, (byte)128);
        return new ImageFrame(pixels, width, height, 0, ImagePixelFormat.Bgr24);
    }

    private static DetectedObject Box(string label, float x1, float y1, float x2, float y2, float score = 0.87f, ObjectMask? mask = null) =>
        new(label, score, new BoxF(x1, y1, x2, y2), new BoxF(x1 / Width, y1 / Height, x2 / Width, y2 / Height), Mask: mask);

    private static AnalysisResult Result(VisionTask task, string text, params DetectedObject[] objects) =>
        new(task, text, [], objects, NoTimings);

    [Fact]
    public void Boxes_ColourTheirEdges_AndLeaveTheRestAlone()
    {
        var frame = GreyFrame();
        var result = Result(new DetectTask(["car"]), "<loc..> car", Box("car", 100, 200, 400, 420));

        var annotated = ResultAnnotator.Annotate(frame, result);

        var colour = ResultAnnotator.ColourOf("car");
        var edge = annotated.At(300, 100); // left edge, y = 300
        Assert.Equal(colour, edge);
        Assert.NotEqual(Grey, annotated.At(420, 250)); // bottom edge
        Assert.Equal(Grey, annotated.At(310, 250));    // inside, no mask
        Assert.Equal(Grey, annotated.At(20, 600));     // far outside
        Assert.NotEqual(Grey, annotated.At(190, 110)); // the label tag above the box
        Assert.Equal(Grey, frame.At(300, 100));        // the input frame is untouched
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

        var frame = GreyFrame();
        var result = Result(new SegmentTask(["cat"]), "", Box("cat", 100, 200, 300, 300, mask: new ObjectMask(100, 200, 200, 100, bits)));

        var annotated = ResultAnnotator.Annotate(frame, result);

        Assert.NotEqual(Grey, annotated.At(250, 150)); // inside the mask
        Assert.Equal(Grey, annotated.At(250, 250));    // inside the box, outside the mask
        // Translucent: 45% label colour over 55% frame.
        var tinted = annotated.At(250, 150);
        var colour = ResultAnnotator.ColourOf("cat");
        Assert.InRange(tinted.B, (0.55 * 128) + (0.45 * colour.B) - 1, (0.55 * 128) + (0.45 * colour.B) + 1);
        Assert.InRange(tinted.G, (0.55 * 128) + (0.45 * colour.G) - 1, (0.55 * 128) + (0.45 * colour.G) + 1);
        Assert.InRange(tinted.R, (0.55 * 128) + (0.45 * colour.R) - 1, (0.55 * 128) + (0.45 * colour.R) + 1);
    }

    [Fact]
    public void ScaledCopy_GetsTheBoxAtTheSameRelativePlace()
    {
        var frame = GreyFrame();
        var small = ImageFiles.Resize(frame, Width / 2, Height / 2);
        var result = Result(new DetectTask(["car"]), "", Box("car", 100, 200, 400, 420));

        ResultAnnotator.Draw(small, result);

        Assert.NotEqual(Grey, small.At(150, 50)); // left edge at x = 100 / 2
        Assert.Equal(Grey, small.At(155, 125));
    }

    [Fact]
    public void Caption_IsWrittenOnABandAtTheTop()
    {
        var frame = GreyFrame();
        var caption = "a grey wall with nothing on it, photographed in flat light on a very ordinary afternoon in late autumn";

        var annotated = ResultAnnotator.Annotate(frame, Result(new CaptionTask(), caption));

        Assert.True(annotated.MeanBlue(0, 0, Width, 30) < 100, "the band darkens the top rows");
        Assert.Equal(Grey, annotated.At(Height - 5, Width / 2));
        // Long text wraps: the second line has ink too.
        Assert.True(annotated.MeanBlue(0, 40, Width, 25) < 110);
    }

    [Fact]
    public void JpegSnapshot_FitsUnderTheCap()
    {
        var noisy = Noise(1280, 720);

        var large = JpegSnapshotEncoder.Encode(noisy, 10_000_000);
        var capped = JpegSnapshotEncoder.Encode(noisy, 60_000);

        Assert.True(capped.Length <= 60_000, $"{capped.Length} bytes");
        Assert.True(large.Length > 60_000, "the uncapped encoding is bigger, so the cap did something");
        var decoded = ImageFiles.Decode(capped);
        Assert.InRange(decoded.Width / (double)decoded.Height, (1280 / 720.0) - 0.02, (1280 / 720.0) + 0.02); // scaled, never cropped
    }

    [Fact]
    public void JpegSnapshot_ThatCannotFit_SaysSo()
    {
        var noisy = Noise(320, 240);

        var error = Assert.Throws<InvalidOperationException>(() => JpegSnapshotEncoder.Encode(noisy, 50));

        Assert.Contains("Raise the size cap", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_IsWrittenInInkThatContrastsWithTheTag()
    {
        var frame = GreyFrame();
        var result = Result(new DetectTask(["car"]), "", Box("car", 100, 200, 400, 420));

        var annotated = ResultAnnotator.Annotate(frame, result);

        // The tag above the box is filled with the label colour and carries glyph pixels in black or white.
        var colour = ResultAnnotator.ColourOf("car");
        var ink = colour.Brightness > 150 ? BgrColour.Black : BgrColour.White;
        var inkPixels = 0;
        for (var y = 180; y < 200; y++)
        {
            for (var x = 100; x < 200; x++)
            {
                inkPixels += annotated.At(y, x) == ink ? 1 : 0;
            }
        }

        Assert.InRange(inkPixels, 20, 1000);
    }

    private static ImageFrame Noise(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        new Random(3).NextBytes(pixels);
        return new ImageFrame(pixels, width, height, 0, ImagePixelFormat.Bgr24);
    }
}
