using EdgePali.Agent.Mqtt.Messages;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Publishing;
using EdgePali.Agent.Resilience;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>The small pure parts: COCO RLE, backoff, topic names, snapshot size cap.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class MqttPiecesTests
{
    [Fact]
    public void CocoRle_MatchesPycocotools_OnAHandComputedMask()
    {
        // 2x2 frame, row-major bits 1 0 / 1 1. Column-major: 1,1,0,1 -> runs [0,2,1,1] -> "021O" (rleToString).
        var runs = CocoRle.Runs(new ObjectMask(0, 0, 2, 2, [1, 0, 1, 1]), 2, 2);
        Assert.Equal([0L, 2, 1, 1], runs);
        Assert.Equal("021O", CocoRle.Compress(runs));
    }

    [Fact]
    public void CocoRle_RoundTrips_AndPlacesTheMaskInTheFrame()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 200; trial++)
        {
            var (w, h) = (random.Next(1, 12), random.Next(1, 12));
            var bits = new byte[w * h];
            for (var i = 0; i < bits.Length; i++)
            {
                bits[i] = (byte)random.Next(2);
            }

            var mask = new ObjectMask(random.Next(0, 5), random.Next(0, 5), w, h, bits);
            var runs = CocoRle.Runs(mask, 20, 18);
            Assert.Equal(20 * 18, runs.Sum());
            Assert.Equal(runs, CocoRle.Decompress(CocoRle.Compress(runs)));
            Assert.Equal(bits.Count(b => b == 1), runs.Where((_, i) => i % 2 == 1).Sum());
        }
    }

    [Fact]
    public void Backoff_GrowsExponentially_IsCapped_AndJittered()
    {
        var random = new Random(1);
        var min = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromSeconds(60);
        Assert.InRange(Backoff.WithJitter(1, min, max, random).TotalSeconds, 0.5, 1);
        Assert.InRange(Backoff.WithJitter(4, min, max, random).TotalSeconds, 4, 8);
        var late = Enumerable.Range(0, 50).Select(_ => Backoff.WithJitter(40, min, max, random).TotalSeconds).ToList();
        Assert.All(late, d => Assert.InRange(d, 30, 60));
        Assert.True(late.Distinct().Count() > 40, "delays must be jittered");
    }

    [Fact]
    public void Topics_FollowTheContract_AndSanitiseNames()
    {
        var topics = new MqttTopics("edgepali", "pi5");
        Assert.Equal("edgepali/pi5/status", topics.Status);
        Assert.Equal("edgepali/pi5/front door/caption".Replace(' ', '_'), topics.Result("front door", "caption"));
        Assert.Equal("edgepali/pi5/a_b/ask/reply", topics.AskReply("a/b"));
        Assert.True(topics.TryParseCameraCommand("edgepali/pi5/front/set", out var camera, out var command));
        Assert.Equal(("front", "set"), (camera, command));
        Assert.False(topics.TryParseCameraCommand("edgepali/pi5/front/set/reply", out _, out _));
    }

    [Fact]
    public void Snapshot_OverTheCap_IsReencodedUnderIt()
    {
        using var noise = new OpenCvSharp.Mat(720, 1280, OpenCvSharp.MatType.CV_8UC3);
        OpenCvSharp.Cv2.Randu(noise, OpenCvSharp.Scalar.All(0), OpenCvSharp.Scalar.All(255));
        var big = noise.ImEncode(".jpg", new OpenCvSharp.ImageEncodingParam(OpenCvSharp.ImwriteFlags.JpegQuality, 95));
        Assert.True(big.Length > 1_000_000);
        var fitted = SnapshotFitter.Fit(big, 200_000);
        Assert.NotNull(fitted);
        Assert.InRange(fitted.Length, 1000, 200_000);
        using var decoded = OpenCvSharp.Cv2.ImDecode(fitted, OpenCvSharp.ImreadModes.Color);
        Assert.False(decoded.Empty());
    }
}
