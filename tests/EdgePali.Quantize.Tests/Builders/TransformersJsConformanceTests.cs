using System.Text.Json;
using EdgePali.Quantize.Builders;

namespace EdgePali.Quantize.Tests.Builders;

/// <summary>
/// The pinned transformers.js (tests/conformance, onnxruntime-node) loads the packages we build (int8, fused int8,
/// w8a8) and generates with them; its prompt ids and greedy tokens must equal what our own ORT run of the same package produces.
/// </summary>
[Collection(TinyPaliGemma1Shared.Name)]
[Trait(TestKinds.Trait, TestKinds.Conformance)]
public sealed class TransformersJsConformanceTests(TinyPaliGemma1Packages packages)
{
    internal const int MaxNewTokens = 6;

    [Fact]
    public async Task TransformersJs_LoadsInt8Package_AndGeneratesOurGreedyTokens()
    {
        var (inputIds, generated) = await RunNode(packages.Int8Dir);
        Assert.Equal(ExpectedPrompt(), inputIds);
        Assert.Equal(MaxNewTokens, generated.Length);
        Assert.Equal(OurGreedy(packages.Int8Dir, generated.Length), generated);
    }

    /// <summary>
    /// The fused layout (GroupQueryAttention, skip norms, vision MultiHeadAttention) runs in transformers.js'
    /// onnxruntime-node too, and both there and in our ORT it generates exactly the standard layout's greedy tokens.
    /// </summary>
    [Fact]
    public async Task FusedInt8Package_GeneratesTheStandardGreedyTokens_InTransformersJsAndOurRuntime()
    {
        var standard = OurGreedy(packages.Int8Dir, MaxNewTokens);
        Assert.Equal(standard, OurGreedy(packages.FusedInt8Dir, MaxNewTokens));
        var (inputIds, generated) = await RunNode(packages.FusedInt8Dir);
        Assert.Equal(ExpectedPrompt(), inputIds);
        Assert.Equal(standard, generated);
        Assert.True(standard.Distinct().Count() > 1, $"degenerate greedy output {string.Join(",", standard)}");
    }

    /// <summary>
    /// The default w8a8 package (QuantizeLinear, MatMulIntegerToFloat) in transformers.js' onnxruntime-node: the same
    /// prompt ids and the same greedy tokens as our ORT run of it.
    /// </summary>
    [Fact]
    public async Task W8A8Package_GeneratesOurGreedyTokens_InTransformersJs()
    {
        var dir = Path.Combine(packages.Scratch, "w8a8-conformance-" + Guid.NewGuid().ToString("N"));
        await PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, dir, WeightFormat.W8A8, Logits: DecoderLogits.AllPositions));
        var ours = OurGreedy(dir, MaxNewTokens);
        var (inputIds, generated) = await RunNode(dir);
        Assert.Equal(ExpectedPrompt(), inputIds);
        Assert.Equal(ours, generated);
        Assert.True(ours.Distinct().Count() > 1, $"degenerate greedy output {string.Join(",", ours)}");
    }

    private long[] ExpectedPrompt()
    {
        var config = packages.Config;
        return [.. Enumerable.Repeat((long)config.ImageTokenId, config.Vision.ImageTokenCount), 2, 21209, 659, 108];
    }

    /// <summary>Our own ORT run of a package on the script's synthetic image and prompt: greedy over the whole vocabulary, as transformers.js.</summary>
    private long[] OurGreedy(string packageDir, int tokens)
    {
        var config = packages.Config;
        var (t, v) = (config.Text, config.Vision);
        var expectedPrompt = ExpectedPrompt();

        // The script's synthetic image: HWC bytes (i * 37) % 256, already at the model size, normalised to [-1, 1].
        var size = v.ImageSize;
        var pixels = new float[3 * size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var value = ((((y * size) + x) * 3) + c) * 37 % 256;
                    pixels[(c * size * size) + (y * size) + x] = (float)((value / 255.0 * 2) - 1);
                }
            }
        }

        using var runner = new PackageRunner(packageDir, WeightFormat.Int8);
        var cache = new KvState(t.LayerCount, t.KeyValueHeads, t.HeadDim);
        var embeds = runner.PromptEmbeddings(expectedPrompt, runner.ImageFeatures(pixels, size), t.HiddenSize, config.ImageTokenId);
        var logits = runner.Decode(embeds, Enumerable.Range(1, expectedPrompt.Length).Select(i => (long)i).ToArray(), cache);
        var last = logits.AsSpan((expectedPrompt.Length - 1) * t.VocabSize, t.VocabSize).ToArray();
        var ours = new List<long>();
        for (var step = 0; step < tokens; step++)
        {
            // transformers.js takes the argmax over the whole (padded) vocabulary, so this does too.
            var next = Array.IndexOf(last, last.Max());
            ours.Add(next);
            if (step + 1 < tokens)
                last = runner.Decode(runner.Embed([next]), [expectedPrompt.Length + step + 1L], cache);
        }

        return [.. ours];
    }

    internal static async Task<(long[] InputIds, long[] Generated)> RunNode(string packageDir, string dtype = "int8")
    {
        var output = (await ProcessRunner.RunNodeAsync("paligemma-generate.mjs",
                [packageDir, dtype, "caption en", MaxNewTokens.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(5)))
            .EnsureSuccess("./test.sh installs tests/conformance/node_modules (npm ci)").Stdout;
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        using var json = JsonDocument.Parse(line);
        return (
            json.RootElement.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
            json.RootElement.GetProperty("generated_ids").EnumerateArray().Select(e => e.GetInt64()).ToArray());
    }
}
