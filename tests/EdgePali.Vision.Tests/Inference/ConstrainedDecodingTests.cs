using EdgePali.Vision.Imaging;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgePali.Vision.Tests.Inference;

/// <summary>
/// Constrained detect decoding never changes an answer that is already well-formed: a real tiny model whose
/// greedy answer is a planted, well-formed two-object detection gives the same tokens and probabilities with and
/// without constraints, for any image, several label lists and token limits.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class ConstrainedDecodingTests(PlantedDetectPackage package) : IClassFixture<PlantedDetectPackage>
{
    public static TheoryData<string[], int> WellFormedCases => new()
    {
        { ["car", "person"], 64 },
        { ["person", "car", "car door"], 64 },
        { ["traffic light", "person", "car"], 13 },   // room for exactly the answer and its eos
        { ["car", "person"], 12 },                    // the limit falls right after the last label
    };

    [Theory]
    [MemberData(nameof(WellFormedCases))]
    public async Task WellFormedAnswer_IsNotChangedByConstraints(string[] labels, int limit)
    {
        await using var engine = await LoadAsync(package.Pg1Int8);
        for (var seed = 0; seed < 3; seed++)
        {
            var frame = Frame(seed);
            var free = await engine.AnalyzeAsync(frame, new DetectTask(labels) { Constrained = false }, limit);
            var constrained = await engine.AnalyzeAsync(frame, new DetectTask(labels), limit);

            // The free answer is the planted one: well-formed, every object parsed, labels as requested.
            Assert.Equal(PlantedDetectPackage.Answer[..^1], free.TokenIds);
            Assert.Equal(["car", "person"], free.Objects.Select(o => o.Label));
            Assert.DoesNotContain("malformed", free.Note ?? "", StringComparison.Ordinal);

            Assert.Equal(free.TokenIds, constrained.TokenIds);
            Assert.Equal(free.Text, constrained.Text);
            Assert.Equal(free.Note, constrained.Note);
            Assert.Equal(free.Objects, constrained.Objects); // boxes and scores: the model's own probabilities
        }
    }

    [Fact]
    public async Task UnrequestedLabel_IsReplacedByARequestedOne()
    {
        await using var engine = await LoadAsync(package.Pg1Int8);
        var frame = Frame(0);
        var free = await engine.AnalyzeAsync(frame, new DetectTask(["car"]) { Constrained = false }, 64);
        var constrained = await engine.AnalyzeAsync(frame, new DetectTask(["car"]), 64);

        Assert.Equal("person", free.Objects[1].Label);
        Assert.Equal(free.TokenIds.Take(11), constrained.TokenIds.Take(11)); // up to the second label
        Assert.NotEmpty(constrained.Objects);
        Assert.All(constrained.Objects, o => Assert.Equal("car", o.Label));
        // "car" in place of "person" is forced against the model's wish: its score says so.
        Assert.True(constrained.Objects[1].Score < free.Objects[1].Score / 2, $"{constrained.Objects[1].Score} vs {free.Objects[1].Score}");
    }

    internal static Task<PaliGemmaEngine> LoadAsync(string dir) =>
        PaliGemmaEngine.LoadAsync(new EngineOptions { ModelDirectory = dir }, NullLogger.Instance, CancellationToken.None);

    /// <summary>A 96x64 frame of noise.</summary>
    internal static ImageFrame Frame(int seed)
    {
        var pixels = new byte[64 * 96 * 3];
        new Random(seed).NextBytes(pixels);
        return new ImageFrame(pixels, 96, 64, 0, ImagePixelFormat.Bgr24);
    }
}
