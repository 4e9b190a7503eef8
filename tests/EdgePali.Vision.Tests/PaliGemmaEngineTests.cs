using EdgePali.Vision.Imaging;
using System.Diagnostics;
using EdgePali.Vision.Packages;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgePali.Vision.Tests;

/// <summary>The engine facade on a real tiny package: serialisation, cancellation, masking, load errors.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class PaliGemmaEngineTests(TinyPg1Int8Package package) : IClassFixture<TinyPg1Int8Package>
{
    private static readonly DetectTask Detect = new(["car", "person"]);

    [Fact]
    public async Task ConcurrentCalls_AreSerialised_AndGiveTheSequentialResults()
    {
        await using var engine = await LoadAsync(package.Pg1Int8);
        var frames = Enumerable.Range(1, 3).Select(Frame).ToList();
        var ids = new List<IReadOnlyList<int>>();
        var features = new List<float[]>();
        foreach (var f in frames)
        {
            ids.Add((await engine.AnalyzeAsync(f, Detect, 24)).TokenIds);
            features.Add((await engine.EncodeImageAsync(f)).Values.ToArray());
        }

        // The pixel buffer, KV cache and prompt buffers are shared: interleaved calls would corrupt each other.
        // Image features differ from frame to frame, so a mixed-up encoding cannot go unnoticed.
        Assert.NotEqual(features[0], features[1]);
        var analyses = Enumerable.Range(0, 6).Select(i => Task.Run(() => engine.AnalyzeAsync(frames[i % 3], Detect, 24))).ToList();
        var encodings = Enumerable.Range(0, 6).Select(i => Task.Run(() => engine.EncodeImageAsync(frames[i % 3]))).ToList();
        var analysed = await Task.WhenAll(analyses);
        var encoded = await Task.WhenAll(encodings);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(ids[i % 3], analysed[i].TokenIds);
            Assert.Equal(features[i % 3], encoded[i].Values.ToArray());
        }
    }

    [Fact]
    public async Task Cancellation_StopsBetweenTokens_AndTheEngineStaysUsable()
    {
        await using var engine = await LoadAsync(package.Pg1Int8, maxNewTokensLimit: 8192);
        var frame = Frame(4);
        var reference = await engine.AnalyzeAsync(frame, new CaptionTask(), 8);

        // A long generation, cancelled once it is under way.
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.AnalyzeAsync(frame, new RawTask("caption en"), 8000, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"cancellation took {watch.Elapsed}");

        var again = await engine.AnalyzeAsync(frame, new CaptionTask(), 8);
        Assert.Equal(reference.TokenIds, again.TokenIds);
    }

    [Fact]
    public async Task Results_NeverContainNonGenerableIds_AndReportTimings()
    {
        await using var engine = await LoadAsync(package.Pg1Int8);
        for (var seed = 10; seed < 16; seed++)
        {
            var frame = Frame(seed);
            var result = await engine.AnalyzeAsync(frame, new SegmentTask(["cat"]), 48);
            Assert.All(result.TokenIds, id => Assert.InRange(id, 0, PaliGemmaTokens.FirstNonGenerable - 1));
            Assert.Equal(result.TokenIds.Count, result.Timings.GeneratedTokens);
            Assert.Equal(16 + 1 + 3, result.Timings.PromptTokens); // 16 image tokens, bos, "segment", " cat", "\n"
            Assert.True(result.Timings.VisionMs > 0 && result.Timings.PrefillMs > 0 && result.Timings.PreprocessMs > 0);
        }
    }

    [Fact]
    public async Task TaskDefaultTokenLimit_AppliesWhenNoneGiven()
    {
        await using var engine = await LoadAsync(package.Pg1Int8);
        var frame = Frame(5);
        var result = await engine.AnalyzeAsync(frame, new AnswerTask("what?"));
        Assert.InRange(result.TokenIds.Count, 0, new AnswerTask("what?").DefaultMaxNewTokens);
        if (result.TokenIds.Count == new AnswerTask("what?").DefaultMaxNewTokens)
        {
            Assert.Contains("token limit", result.Note, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EncodedFeatures_GiveTheSameAnswerAsTheFrame()
    {
        await using var engine = await LoadAsync(package.Pg1Int8);
        var frame = Frame(6);
        var direct = await engine.AnalyzeAsync(frame, Detect, 20);
        var features = await engine.EncodeImageAsync(frame);
        var viaFeatures = await engine.AnalyzeAsync(features, Detect, 20);
        Assert.Equal(direct.TokenIds, viaFeatures.TokenIds);
        Assert.Equal(frame.Width, features.FrameWidth);

        var other = Frame(7);
        var reused = await engine.EncodeImageAsync(other, features);
        Assert.Same(features, reused);
        Assert.Equal(1f, features.CosineSimilarity(features), 4);
    }

    [Fact]
    public async Task VisionEncodes_CountsEncoderRuns_NotLanguageModelCallsOnFeatures()
    {
        await using var engine = await LoadAsync(package.Pg1Int8);
        var frame = Frame(8);
        var before = engine.VisionEncodes;
        var features = await engine.EncodeImageAsync(frame);
        await engine.AnalyzeAsync(features, new CaptionTask(), 4);
        await engine.AnalyzeAsync(features, Detect, 4);
        Assert.Equal(before + 1, engine.VisionEncodes);
        await engine.AnalyzeAsync(frame, Detect, 4);
        Assert.Equal(before + 2, engine.VisionEncodes);
    }

    [Fact]
    public async Task WrongVariant_IsRefusedListingTheAvailableOnes()
    {
        var ex = await Assert.ThrowsAsync<ModelPackageException>(() => LoadAsync(package.Pg1Int8, variant: "q4"));
        Assert.Contains("Model variant 'q4' is not complete", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Available variants: int8.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorruptDecoder_IsRefusedAtLoad_NamingTheFile()
    {
        var copy = CopyPackage("corrupt");
        var decoder = Path.Combine(copy, "onnx", "decoder_model_merged_int8.onnx");
        var bytes = await File.ReadAllBytesAsync(decoder);
        await File.WriteAllBytesAsync(decoder, bytes[..(bytes.Length / 3)]);

        // With the manifest: the size check names the file before ORT is even asked.
        var ex = await Assert.ThrowsAsync<ModelPackageException>(() => LoadAsync(copy));
        Assert.Contains("onnx/decoder_model_merged_int8.onnx", ex.Message, StringComparison.Ordinal);

        // Without checksum verification, ONNX Runtime's refusal is reported the same way.
        ex = await Assert.ThrowsAsync<ModelPackageException>(() => LoadAsync(copy, verifyChecksums: false));
        Assert.Contains("decoder_model_merged_int8.onnx cannot be loaded by ONNX Runtime", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingEmbedTokens_IsRefusedAtLoad()
    {
        var copy = CopyPackage("missing");
        File.Delete(Path.Combine(copy, "onnx", "embed_tokens_int8.onnx"));
        var ex = await Assert.ThrowsAsync<ModelPackageException>(() => LoadAsync(copy, variant: "int8"));
        Assert.Contains("missing onnx/embed_tokens_int8.onnx", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigFromAnotherModel_IsRefusedAtLoad()
    {
        var copy = CopyPackage("mismatch");
        var configPath = Path.Combine(copy, "config.json");
        var config = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(configPath))!;
        config["text_config"]!["num_key_value_heads"] = 2;
        await File.WriteAllTextAsync(configPath, config.ToJsonString());
        var ex = await Assert.ThrowsAsync<ModelPackageException>(() => LoadAsync(copy, verifyChecksums: false));
        Assert.Contains("text_config.num_key_value_heads is 2", ex.Message, StringComparison.Ordinal);
    }

    private static Task<PaliGemmaEngine> LoadAsync(string dir, string? variant = null, bool verifyChecksums = true, int maxNewTokensLimit = 512) =>
        PaliGemmaEngine.LoadAsync(
            new EngineOptions { ModelDirectory = dir, Variant = variant, VerifyChecksums = verifyChecksums, MaxNewTokensLimit = maxNewTokensLimit },
            NullLogger.Instance,
            CancellationToken.None);

    /// <summary>A 96x64 frame of noise (not the model's size: preprocessing resizes it).</summary>
    private static ImageFrame Frame(int seed)
    {
        var pixels = new byte[64 * 96 * 3];
        new Random(seed).NextBytes(pixels);
        return new ImageFrame(pixels, 96, 64, 0, ImagePixelFormat.Bgr24);
    }

    private string CopyPackage(string name)
    {
        var target = Path.Combine(package.Scratch, name + "-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.EnumerateFiles(package.Pg1Int8, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(package.Pg1Int8, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}
