using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Vision.Tests.Inference;

/// <summary>
/// A tiny PaliGemma 1 int8 package whose next-token memory has a well-formed detect answer planted
/// (<see cref="Answer"/>: two objects in PaliGemma's format, then eos): greedy generation writes exactly that answer
/// whatever the image and prompt. Real builder, real ONNX Runtime; only the weights are made up.
/// </summary>
public sealed class PlantedDetectPackage : IAsyncLifetime
{
    /// <summary>&lt;loc0100&gt;&lt;loc0200&gt;&lt;loc0600&gt;&lt;loc0700&gt; car ; &lt;loc0050&gt;&lt;loc0060&gt;&lt;loc0500&gt;&lt;loc0400&gt; person&lt;eos&gt;,
    /// as the Gemma tokenizer writes it: " car", " ;", " ", ..., " person".</summary>
    public static readonly int[] Answer = [256100, 256200, 256600, 256700, 1226, 2161, 235248, 256050, 256060, 256500, 256400, 1552, PaliGemmaTokens.Eos];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgepali-planted-" + Guid.NewGuid().ToString("N"));

    public string Pg1Int8 => Path.Combine(_root, "pg1-int8");

    public async Task InitializeAsync()
    {
        var checkpoint = Path.Combine(_root, "ckpt");
        TestCheckpoint.Write(checkpoint, TestCheckpointPreset.Tiny, seed: 21, plantedAnswer: Answer);
        await PackageBuilder.BuildAsync(new PackageBuildOptions(checkpoint, Pg1Int8, WeightFormat.Int8));
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Leftover temp files are harmless.
        }

        return Task.CompletedTask;
    }
}
