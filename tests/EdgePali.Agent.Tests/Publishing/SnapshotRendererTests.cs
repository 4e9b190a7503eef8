using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;
using EdgePali.Vision.Tasks;
using OpenCvSharp;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EdgePali.Agent.Tests.Publishing;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class SnapshotRendererTests
{
    [Fact]
    public void Snapshot_IsAScaledJpeg_WithTheDetectionDrawn_AndTheFrameUntouched()
    {
        var frame = new FrameBuffer();
        frame.SetSize(320, 240);
        frame.Pixels.Fill(128);
        var before = frame.Pixels.ToArray();
        var task = new DetectTask(["person"]);
        var result = new AnalysisResult(task, "", [], [new DetectedObject("person", 0.9f, new BoxF(80, 60, 240, 180), new BoxF(0.25f, 0.25f, 0.75f, 0.75f))], new StageTimings(0, 0, 0, 0, 0, 0));
        using var renderer = new SnapshotRenderer(MsOptions.Create(new SnapshotOptions { Height = 120, Quality = 90 }));

        var jpeg = renderer.Render(frame, result);

        Assert.NotNull(jpeg);
        using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
        Assert.Equal(new Size(160, 120), decoded.Size());
        // The box's left edge (x = 40 at this scale) is drawn in the label's colour, far from the grey background.
        var edge = decoded.At<Vec3b>(90, 40);
        Assert.True(Math.Abs(edge.Item0 - 128) + Math.Abs(edge.Item1 - 128) + Math.Abs(edge.Item2 - 128) > 60, $"no box at the edge: {edge}");
        var inside = decoded.At<Vec3b>(60, 100);
        Assert.True(Math.Abs(inside.Item0 - 128) < 12, $"the inside of the box changed: {inside}");
        Assert.Equal(before, frame.Pixels.ToArray());
    }

    [Theory]
    [InlineData(120)]
    [InlineData(240)]
    public void ReusedCanvas_LeavesNothingOfTheLastSnapshot_InTheNextOne(int height)
    {
        // The renderer draws every snapshot on one kept canvas: a box drawn for one result must not show in the next.
        var frame = new FrameBuffer();
        frame.SetSize(320, 240);
        frame.Pixels.Fill(128);
        var caption = new AnalysisResult(new CaptionTask(), "", [], [], new StageTimings(0, 0, 0, 0, 0, 0));
        var detect = new AnalysisResult(new DetectTask(["person"]), "", [], [new DetectedObject("person", 0.9f, new BoxF(80, 60, 240, 180), new BoxF(0.25f, 0.25f, 0.75f, 0.75f))], new StageTimings(0, 0, 0, 0, 0, 0));
        using var renderer = new SnapshotRenderer(MsOptions.Create(new SnapshotOptions { Height = height, Quality = 90 }));

        var first = renderer.Render(frame, caption);
        var boxed = renderer.Render(frame, detect);
        var again = renderer.Render(frame, caption);

        Assert.NotNull(first);
        Assert.NotEqual(first, boxed);
        Assert.Equal(first, again);
    }

    [Fact]
    public void DisabledSnapshots_RenderNothing()
    {
        var frame = new FrameBuffer();
        frame.SetSize(8, 8);
        using var renderer = new SnapshotRenderer(MsOptions.Create(new SnapshotOptions { Enabled = false }));

        Assert.Null(renderer.Render(frame, new AnalysisResult(new CaptionTask(), "x", [], [], new StageTimings(0, 0, 0, 0, 0, 0))));
    }
}
