using System.Text.Json;

namespace EdgePali.Bench.Tests;

/// <summary>
/// The CI smoke version of `edgepali-bench`: the real program, as a separate process (so VmHWM is the bench's own),
/// in an empty working folder, so it also builds its default tiny package with the edgepali-quantize executable.
/// Checks that the JSON report is complete and its values are coherent; no timing goals here.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class BenchCommandTests
{
    [Fact]
    public async Task Bench_TinyPresetJson_BuildsTheDefaultPackageAndReportsEveryFigureWithSaneValues()
    {
        using var workingDirectory = new TestDirectory();
        var (code, stdout, stderr) = await ProcessRunner.RunDotnetAsync("edgepali-bench", ["--preset", "tiny", "--new-tokens", "4", "--repetitions", "1", "--warmup", "0", "--threads", "1", "--json"], TimeSpan.FromMinutes(5), workingDirectory.Path);
        Assert.True(code == 0, $"exit code {code}; stderr:\n{stderr}");

        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;

        var machine = root.GetProperty("machine");
        Assert.False(string.IsNullOrWhiteSpace(machine.GetProperty("cpu_model").GetString()));
        Assert.Equal(Environment.ProcessorCount, machine.GetProperty("logical_cores").GetInt32());
        Assert.Matches(@"^\d+\.\d+", machine.GetProperty("onnx_runtime_version").GetString());
        Assert.True(machine.GetProperty("total_memory_bytes").GetInt64() > 0);
        Assert.Equal(3, machine.GetProperty("load_average").GetArrayLength());

        var settings = root.GetProperty("settings");
        Assert.Equal(4, settings.GetProperty("new_tokens").GetInt32());
        Assert.Equal(1, settings.GetProperty("threads").GetInt32());

        var model = root.GetProperty("model");
        var packageDirectory = Path.Combine(workingDirectory.Path, "models", "bench", "tiny-w8a8");
        Assert.Equal(packageDirectory, model.GetProperty("directory").GetString());
        Assert.True(File.Exists(Path.Combine(packageDirectory, "onnx", "decoder_model_merged_int8.onnx")));
        Assert.True(File.Exists(Path.Combine(workingDirectory.Path, "models", "bench", "tiny-checkpoint", "config.json")));
        var build = root.GetProperty("package_build");
        Assert.True(build.GetProperty("checkpoint_seconds").GetDouble() > 0);
        Assert.True(build.GetProperty("build_seconds").GetDouble() > 0);
        // The builder's default, w8a8, is written as the int8 variant (_int8 files).
        Assert.Equal("int8", model.GetProperty("variant").GetString());
        Assert.Equal("w8a8", settings.GetProperty("weights").GetString());
        var imageTokens = model.GetProperty("image_tokens").GetInt32();
        // "<image>"*N + <bos> + "caption en" (at least one token) + "\n".
        Assert.True(model.GetProperty("prompt_tokens").GetInt32() >= imageTokens + 3);
        var diskBytes = model.GetProperty("disk_bytes").GetInt64();
        var weights = model.GetProperty("decoder_weights");
        var bytesPerToken = weights.GetProperty("bytes").GetInt64();
        Assert.InRange(bytesPerToken, 1, diskBytes);
        Assert.True(weights.GetProperty("initializers").GetInt32() > 0);

        var ours = root.GetProperty("edgepali");
        Assert.Equal(4, ours.GetProperty("generated_tokens").GetInt32());
        Assert.True(ours.GetProperty("load_ms").GetDouble() > 0);
        foreach (var stage in new[] { "preprocess_ms", "vision_ms", "prefill_ms", "decode_ms_per_token", "decode_tokens_per_second", "end_to_end_ms" })
        {
            var s = ours.GetProperty(stage);
            Assert.True(s.GetProperty("median").GetDouble() > 0, stage);
            Assert.True(s.GetProperty("min").GetDouble() <= s.GetProperty("median").GetDouble(), stage);
            Assert.True(s.GetProperty("max").GetDouble() >= s.GetProperty("median").GetDouble(), stage);
            Assert.Equal(1, s.GetProperty("count").GetInt32());
        }

        // The whole call contains its stages: preprocess + vision + prefill + 3 decoder steps.
        var stages = Median(ours, "preprocess_ms") + Median(ours, "vision_ms") + Median(ours, "prefill_ms") + (3 * Median(ours, "decode_ms_per_token"));
        Assert.True(Median(ours, "end_to_end_ms") >= stages * 0.999, $"end-to-end {Median(ours, "end_to_end_ms")} < stages {stages}");
        Assert.Equal(1000 / Median(ours, "decode_ms_per_token"), Median(ours, "decode_tokens_per_second"), 6);

        var rssLoaded = ours.GetProperty("rss_loaded_bytes").GetInt64();
        var peak = ours.GetProperty("peak_rss_bytes").GetInt64();
        Assert.True(rssLoaded > 10 << 20, $"RSS {rssLoaded} is implausibly small for a .NET process with ORT loaded:\n{stdout}");
        Assert.True(peak >= rssLoaded);

        var bandwidth = root.GetProperty("bandwidth");
        Assert.InRange(bandwidth.GetProperty("gigabytes_per_second").GetDouble(), 0.1, 10_000);
        Assert.Equal(bytesPerToken, bandwidth.GetProperty("bytes_per_token").GetInt64());
        var bound = bandwidth.GetProperty("bound_tokens_per_second").GetDouble();
        Assert.Equal(bandwidth.GetProperty("gigabytes_per_second").GetDouble() * 1e9 / bytesPerToken, bound, 3);
        Assert.Equal(100 * Median(ours, "decode_tokens_per_second") / bound, bandwidth.GetProperty("decode_percent_of_bound").GetDouble(), 6);

        Assert.Equal(JsonValueKind.Null, root.GetProperty("transformers_js").ValueKind);
    }

    [Fact]
    public async Task Bench_Tasks_SharesOneVisionEncode_AndCountsConstrainedDetectTokens()
    {
        using var workingDirectory = new TestDirectory();
        var (code, stdout, stderr) = await ProcessRunner.RunDotnetAsync("edgepali-bench", ["--preset", "tiny", "--new-tokens", "2", "--repetitions", "1", "--warmup", "0", "--threads", "1",
            "--tasks", "caption,detect", "--json"], TimeSpan.FromMinutes(5), workingDirectory.Path);
        Assert.True(code == 0, $"exit code {code}; stderr:\n{stderr}");

        using var doc = JsonDocument.Parse(stdout);
        var tasks = doc.RootElement.GetProperty("multi_task");
        Assert.Equal(["caption en", "detect person ; car"], tasks.GetProperty("tasks").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(1, tasks.GetProperty("vision_encodes_shared").GetInt64());
        Assert.Equal(2, tasks.GetProperty("vision_encodes_separate").GetInt64());
        Assert.True(tasks.GetProperty("shared_ms").GetProperty("median").GetDouble() > 0);
        Assert.True(tasks.GetProperty("separate_ms").GetProperty("median").GetDouble() > 0);

        var detect = Assert.Single(tasks.GetProperty("constrained").EnumerateArray());
        Assert.Equal("detect person ; car", detect.GetProperty("task").GetString());
        Assert.Equal(64, detect.GetProperty("token_limit").GetInt32());
        var free = detect.GetProperty("free_tokens").GetInt32();
        var constrained = detect.GetProperty("constrained_tokens").GetInt32();
        Assert.InRange(free, 1, 64);
        Assert.InRange(constrained, 1, 64);
        Assert.Equal(free - constrained, detect.GetProperty("tokens_saved").GetInt32());
        // The tiny model writes text, never boxes; constrained, it writes objects.
        Assert.Equal(0, detect.GetProperty("free_objects").GetInt32());
        Assert.True(detect.GetProperty("constrained_objects").GetInt32() > 0);
    }

    [Fact]
    public async Task Bench_MissingModelFolder_FailsWithAClearMessage()
    {
        var missing = Path.Combine(Path.GetTempPath(), "edgepali-no-such-package-" + Guid.NewGuid().ToString("N"));
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = await BenchCommand.Create().Parse(["--model", missing, "--repetitions", "1", "--json"]).InvokeAsync();
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.Equal(1, code);
        Assert.Contains("does not exist", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(missing, error.ToString(), StringComparison.Ordinal);
    }

    private static double Median(JsonElement figures, string stage) => figures.GetProperty(stage).GetProperty("median").GetDouble();
}
