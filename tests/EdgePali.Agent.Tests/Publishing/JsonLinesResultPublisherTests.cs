using System.Text.Json;
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;
using EdgePali.Agent.Tests.Support;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Tests.Publishing;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class JsonLinesResultPublisherTests : IDisposable
{
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task EachResult_IsOneJsonLine_WithTheContractFields()
    {
        using var publisher = Publisher(maxBytes: 1 << 20, maxFiles: 2);
        var task = new DetectTask(["person"]);
        var result = new AnalysisResult(task, "<loc0100><loc0200><loc0300><loc0400> person", [1, 2], [new DetectedObject("person", 0.87654f, new BoxF(10, 20, 30, 40), new BoxF(0.1f, 0.2f, 0.3f, 0.4f))], new StageTimings(1, 2, 3, 4, 5, 6));

        await publisher.PublishAsync(new PublishedResult(7, "pi5", "porch", "people", new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero), 640, 480, "demo-tiny/int8", result), CancellationToken.None);

        var line = Assert.Single(await File.ReadAllLinesAsync(publisher.FilePath));
        // The log line is the MQTT result message byte for byte: one serialiser, one contract.
        Assert.Equal(System.Text.Encoding.UTF8.GetString(ResultJson.Result(new PublishedResult(7, "pi5", "porch", "people", new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero), 640, 480, "demo-tiny/int8", result))), line);
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal(7, root.GetProperty("seq").GetInt64());
        Assert.Equal("2026-11-27T08:00:00.000Z", root.GetProperty("ts").GetString());
        Assert.Equal("pi5", root.GetProperty("device").GetString());
        Assert.Equal("porch", root.GetProperty("camera").GetString());
        Assert.Equal("detect", root.GetProperty("task").GetString());
        Assert.Equal("people", root.GetProperty("name").GetString());
        Assert.Equal("detect person", root.GetProperty("prompt").GetString());
        Assert.Equal(640, root.GetProperty("frame").GetProperty("width").GetInt32());
        Assert.Equal(10, root.GetProperty("timings_ms").GetProperty("total").GetDouble());
        var detected = Assert.Single(root.GetProperty("objects").EnumerateArray().ToList());
        Assert.Equal("person", detected.GetProperty("label").GetString());
        Assert.Equal(0.8765, detected.GetProperty("score").GetDouble());
        Assert.Equal([10.0, 20, 30, 40], detected.GetProperty("box").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal([0.1, 0.2, 0.3, 0.4], detected.GetProperty("box_norm").EnumerateArray().Select(e => e.GetDouble()));
    }

    [Fact]
    public async Task FullFile_RotatesAndKeepsMaxFiles_LosingOnlyTheOldest()
    {
        using var publisher = Publisher(maxBytes: 4096, maxFiles: 2);
        var result = new AnalysisResult(new CaptionTask(), new string('x', 900), [], [], new StageTimings(0, 0, 0, 0, 0, 0));

        for (var seq = 1; seq <= 20; seq++)
            await publisher.PublishAsync(new PublishedResult(seq, "d", "c", "caption", DateTimeOffset.UtcNow, 1, 1, "m", result), CancellationToken.None);

        var files = new[] { publisher.FilePath, publisher.FilePath + ".1", publisher.FilePath + ".2" };
        Assert.All(files, f => Assert.True(File.Exists(f), f));
        Assert.False(File.Exists(publisher.FilePath + ".3"));
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 4096, $"{f} is {new FileInfo(f).Length} bytes"));
        // Oldest first: .2, .1, current hold the newest results in order, ending with 20.
        var seqs = files.Reverse().SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range((int)seqs[0], seqs.Count).Select(i => (long)i), seqs);
        Assert.Equal(20, seqs[^1]);
    }

    private JsonLinesResultPublisher Publisher(long maxBytes, int maxFiles) => new(
        Microsoft.Extensions.Options.Options.Create(new ResultLogOptions { Path = "results.jsonl", MaxBytes = maxBytes, MaxFiles = maxFiles }),
        Microsoft.Extensions.Options.Options.Create(new AgentOptions { StateDirectory = _state.Path }));
}
