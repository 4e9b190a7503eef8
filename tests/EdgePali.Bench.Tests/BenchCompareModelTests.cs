using System.Text.Json;

namespace EdgePali.Bench.Tests;

/// <summary>
/// `edgepali-bench --compare transformers-js --compare-model`: a fused package measured against transformers.js on
/// the standard-layout package built from the same checkpoint (the real programs: edgepali-quantize builds both from
/// one tiny checkpoint, Node runs the pinned transformers.js). A twin that is not the standard layout is refused
/// before anything runs.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Conformance)]
public sealed class BenchCompareModelTests
{
    [Fact]
    public async Task FusedPackage_ComparedWithItsStandardTwin_ReportsTransformersJsOnTheTwin()
    {
        using var work = new TestDirectory();
        var checkpoint = Path.Combine(work.Path, "checkpoint");
        var fused = Path.Combine(work.Path, "fused");
        var standard = Path.Combine(work.Path, "standard");
        await Quantize(work.Path, "make-test-checkpoint", "--preset", "tiny", "--out", checkpoint);
        await Quantize(work.Path, "build", "--checkpoint", checkpoint, "--out", fused, "--weights", "w8a8", "--graph", "fused");
        await Quantize(work.Path, "build", "--checkpoint", checkpoint, "--out", standard, "--weights", "w8a8", "--graph", "standard");

        string[] common = ["--model", fused, "--weights", "int8", "--new-tokens", "4", "--repetitions", "1", "--warmup", "0", "--threads", "1", "--json", "--compare", "transformers-js"];
        // The other way round: the twin transformers.js runs must be the standard layout.
        string[] reversed = [.. common.Select(a => a == fused ? standard : a), "--compare-model", fused];
        var refused = await ProcessRunner.RunDotnetAsync("edgepali-bench", reversed, TimeSpan.FromMinutes(5), work.Path);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains($"--compare-model {fused} has the 'fused' graph layout; pass the standard layout", refused.Stderr, StringComparison.Ordinal);

        var run = await ProcessRunner.RunDotnetAsync("edgepali-bench", [.. common, "--compare-model", standard], TimeSpan.FromMinutes(5), work.Path);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal(fused, root.GetProperty("model").GetProperty("directory").GetString());
        Assert.Equal(standard, root.GetProperty("settings").GetProperty("compare_model_directory").GetString());
        var js = root.GetProperty("transformers_js");
        Assert.Equal(standard, js.GetProperty("model_directory").GetString());
        Assert.Equal("standard", js.GetProperty("graph").GetString());
        Assert.Equal(4, js.GetProperty("generated_tokens").GetInt32());
        Assert.True(js.GetProperty("end_to_end_ms").GetProperty("median").GetDouble() > 0);
        Assert.True(root.GetProperty("ratios").GetProperty("end_to_end").GetDouble() > 0);
    }

    private static async Task Quantize(string workingDirectory, params string[] arguments)
    {
        var run = await ProcessRunner.RunDotnetAsync("edgepali-quantize", arguments, TimeSpan.FromMinutes(5), workingDirectory);
        Assert.True(run.ExitCode == 0, run.ToString());
    }
}
