using EdgePali.Agent.Pipeline;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>Results as the worker hands them to the publisher.</summary>
internal static class TestResults
{
    private static readonly StageTimings Timings = new(1.5, 120.25, 30, 200, 260, 12);

    public static PublishedResult Caption(long seq, string camera = "front", string device = "dev1", byte[]? snapshot = null) =>
        new(seq, device, camera, "caption", DateTimeOffset.UtcNow, 640, 480, "demo-tiny/int8",
            new AnalysisResult(new CaptionTask(), $"a caption number {seq}", [5, 6, 7], [], Timings), snapshot);

    public static PublishedResult Detect(long seq, string camera = "front", string device = "dev1") =>
        new(seq, device, camera, "people", DateTimeOffset.UtcNow, 640, 480, "demo-tiny/int8",
            new AnalysisResult(new DetectTask(["person", "car"]), "<loc0100><loc0200><loc0300><loc0400> person", [1], [
                new DetectedObject("person", 0.87f, new BoxF(125, 75, 250, 187.5f), new BoxF(0.1953f, 0.1563f, 0.3906f, 0.3906f)),
            ], Timings));

    public static PublishedResult Segment(long seq, string camera = "front", string device = "dev1")
    {
        var bits = new byte[4 * 3];
        bits[0] = bits[5] = bits[6] = bits[11] = 1;
        var mask = new ObjectMask(2, 1, 4, 3, bits);
        return new(seq, device, camera, "masks", DateTimeOffset.UtcNow, 8, 6, "demo-tiny/int8",
            new AnalysisResult(new SegmentTask(["cat"]), "<loc0100><loc0200><loc0300><loc0400><seg001> cat", [1], [
                new DetectedObject("cat", 0.5f, new BoxF(2, 1, 6, 4), new BoxF(0.25f, 1f / 6, 0.75f, 4f / 6), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], mask),
            ], Timings));
    }
}
