using System.Text.Json;
using EdgePali.Quantize.Commands;
using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Tests.Commands;

/// <summary>`quantize` and `verify` end to end on the command line: exit codes, messages, JSON.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class QuantizeCliTests(QuantizedTinyPackages packages) : IClassFixture<QuantizedTinyPackages>
{
    [Fact]
    public async Task Quantize_WritesAPackage_AndRefusesToOverwriteIt()
    {
        var outDir = Path.Combine(packages.Scratch, "cli-" + Guid.NewGuid().ToString("N"));
        var (code, text) = await RunAsync("quantize", "--model", packages.Fp32Dir, "--out", outDir, "--mode", "int8", "--parts", "embed");
        Assert.True(code == 0, text);
        Assert.Contains("onnx/embed_tokens_int8.onnx: 1 nodes quantised", text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(outDir, "edgepali.json")));

        (code, text) = await RunAsync("quantize", "--model", packages.Fp32Dir, "--out", outDir, "--mode", "int8");
        Assert.Equal(1, code);
        Assert.Contains("--force", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quantize_MissingModel_ExitsWith1AndSaysWhatIsWrong()
    {
        var (code, text) = await RunAsync("quantize", "--model", Path.Combine(packages.Scratch, "nope"), "--out", Path.Combine(packages.Scratch, "x"), "--mode", "int8");
        Assert.Equal(1, code);
        Assert.Contains("does not exist", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuantizeQdq_FromAVideo_WritesAVisionQdqPackage_AndVerifyReportsIt()
    {
        var video = CalibrationScenes.WriteVideo(Path.Combine(packages.Scratch, $"calibration-{Guid.NewGuid():N}.avi"), seed: 4, count: 12);
        var outDir = Path.Combine(packages.Scratch, "cli-qdq-" + Guid.NewGuid().ToString("N"));
        var (code, text) = await RunAsync("quantize", "--model", packages.Fp32Dir, "--out", outDir, "--mode", "qdq", "--calibration", video,
            "--calibration-method", "percentile", "--activations", "uint16", "--weights", "uint8", "--per-channel", "--calibration-frames", "6");
        Assert.True(code == 0, text);
        Assert.Contains("onnx/vision_encoder_qdq.onnx: ", text, StringComparison.Ordinal);
        Assert.Contains("onnx/decoder_model_merged_qdq.onnx: 9 nodes quantised", text, StringComparison.Ordinal);
        var manifest = PackageManifest.Read(outDir);
        Assert.Equal(("percentile", "uint8", "6"), (manifest.Options["calibration_method"], manifest.Options["weights"], manifest.Options["calibration_frames"]));

        (code, text) = await RunAsync("verify", "--reference", packages.Fp32Dir, "--reference-variant", "fp32", "--candidate", outDir, "--candidate-variant", "qdq",
            "--images", video, "--max-images", "2", "--max-new-tokens", "2", "--json", "--min-cosine", "0.95");
        Assert.True(code == 0, text);
        using var json = JsonDocument.Parse(text);
        Assert.InRange(json.RootElement.GetProperty("vision_cosine_mean").GetDouble(), 0.95, 0.999999);
    }

    [Fact]
    public async Task QuantizeQdq_WithoutCalibration_ExitsWith1AndSaysWhatToGive()
    {
        var outDir = Path.Combine(packages.Scratch, "cli-qdq-none-" + Guid.NewGuid().ToString("N"));
        var (code, text) = await RunAsync("quantize", "--model", packages.Fp32Dir, "--out", outDir, "--mode", "qdq");
        Assert.Equal(1, code);
        Assert.Contains("--calibration DIR_OR_VIDEO", text, StringComparison.Ordinal);
        (code, text) = await RunAsync("quantize", "--model", packages.Fp32Dir, "--out", outDir, "--mode", "qdq", "--calibration", Path.Combine(packages.Scratch, "no-such-frames"));
        Assert.Equal(1, code);
        Assert.Contains("does not exist", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public async Task Verify_ExitCodeFollowsTheThresholds_AndJsonIsMachineReadable()
    {
        var prompts = Path.Combine(packages.Scratch, "prompts-" + Guid.NewGuid().ToString("N") + ".txt");
        await File.WriteAllTextAsync(prompts, "# one task\ncaption en\n");
        string[] common = ["verify", "--reference", packages.Fp32Dir, "--reference-variant", "fp32", "--candidate", packages.DynamicInt8Dir, "--prompts", prompts, "--max-images", "1", "--max-new-tokens", "3"];

        var (code, text) = await RunAsync([.. common, "--min-cosine", "0.9999"]);
        Assert.True(code == VerifyCommand.BelowThreshold, text);
        Assert.Contains("below threshold", text, StringComparison.Ordinal);

        (code, text) = await RunAsync([.. common, "--json", "--min-cosine", "0.5", "--min-top1", "0.1"]);
        Assert.True(code == 0, text);
        using var json = JsonDocument.Parse(text);
        Assert.True(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal(1, json.RootElement.GetProperty("prompts").GetInt32());
        Assert.InRange(json.RootElement.GetProperty("vision_cosine_mean").GetDouble(), 0.5, 0.9999);
        Assert.Equal("quantized", json.RootElement.GetProperty("candidate").GetProperty("variant").GetString());
    }

    private static Task<(int Code, string Output)> RunAsync(params string[] args) =>
        CliRunner.RunAsync(console => [QuantizeCommand.Create(console), VerifyCommand.Create(console)], args);
}
