
using EdgePali.Agent.Capture;
using EdgePali.Agent.Gating;
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Gating;

/// <summary>The motion gate on a real video (OpenCV wrote it, OpenCV reads it back) with still and moving segments.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class MotionGateOnVideoTests(VideoFixture fixture) : IClassFixture<VideoFixture>
{
    [Fact]
    public void StillSegments_NoMotion_MovingSegment_Motion()
    {
        var decisions = Gate(new MotionOptions());

        Assert.Equal(TestVideo.FrameCount, decisions.Count);
        var still = decisions.Where(d => !d.Moving).ToList();
        var moving = decisions.Where(d => d.Moving).ToList();
        Assert.Equal(2 * TestVideo.StillFrames, still.Count);
        Assert.Equal(TestVideo.MovingFrames, moving.Count);
        // The first frame of the still segment after the movement equals the last moving frame: no motion either.
        Assert.All(still, d => Assert.False(d.Motion, $"still frame {d.Index} counted as motion"));
        Assert.All(moving, d => Assert.True(d.Motion, $"moving frame {d.Index} not counted as motion"));
    }

    [Fact]
    public void MaskOverTheMovingSquare_SuppressesMotion()
    {
        // The square moves within x 20..134 of 160, y 40..76 of 120: mask the whole band it moves in.
        var options = new MotionOptions { Masks = ["0,0.25,1,0.25,1,0.7,0,0.7"] };

        var decisions = Gate(options);

        Assert.DoesNotContain(decisions, d => d.Motion);
    }

    [Fact]
    public void MinChangedAreaAboveTheSquaresChange_SuppressesMotion()
    {
        var strict = Gate(new MotionOptions { MinChangedArea = 0.2 });
        var lenient = Gate(new MotionOptions { MinChangedArea = 0.001 });

        Assert.DoesNotContain(strict, d => d.Motion);
        Assert.Contains(lenient, d => d.Motion);
    }

    [Fact]
    public void ThresholdAboveTheSquaresContrast_SuppressesMotion()
    {
        // Square grey 230 on a backdrop of grey 98: a change of about 130, under 200.
        var decisions = Gate(new MotionOptions { Threshold = 200 });

        Assert.DoesNotContain(decisions, d => d.Motion);
    }

    private List<(int Index, bool Moving, bool Motion)> Gate(MotionOptions options)
    {
        var source = new OpenCvFrameSource(CameraSource.Parse(fixture.Video.FilePath), 0, 0, 0, loop: false);
        source.Open();
        var detector = new MotionDetector(options);
        var frame = new FrameBuffer();
        var decisions = new List<(int, bool, bool)>();
        using (source)
        {
            while (source.Grab())
            {
                source.Retrieve(frame);
                decisions.Add((decisions.Count, TestVideo.IsMovingFrame(frame.Pixels, frame.Width), detector.Detect(frame)));
            }
        }

        return decisions;
    }
}
