using System.CommandLine;
using System.Text.Json;
using EdgePali.Quantize.Commands;
using EdgePali.Quantize.Tests.TestSupport;
using Spectre.Console;

namespace EdgePali.Quantize.Tests.Rewriting;

/// <summary>`quantize` and `verify` end to end on the command line: exit codes, messages, JSON.</summary>
public sealed class QuantizeCliTests(QuantizedTinyPackages packages) : IClassFixture<QuantizedTinyPackages>
{
    [Fact]
    public async Task Quantize_WritesAPackage_AndRefusesToOverwriteIt()
    {
        var outDir = Path.Combine(packages.Root, "cli-" + Guid.NewGuid().ToString("N"));
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
        var (code, text) = await RunAsync("quantize", "--model", Path.Combine(packages.Root, "nope"), "--out", Path.Combine(packages.Root, "x"), "--mode", "int8");
        Assert.Equal(1, code);
        Assert.Contains("does not exist", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ExitCodeFollowsTheThresholds_AndJsonIsMachineReadable()
    {
        var prompts = Path.Combine(packages.Root, "prompts-" + Guid.NewGuid().ToString("N") + ".txt");
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

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 1000;
        var root = new RootCommand { QuantizeCommand.Create(console), VerifyCommand.Create(console) };
        var code = await root.Parse(args).InvokeAsync();
        return (code, writer.ToString());
    }
}
