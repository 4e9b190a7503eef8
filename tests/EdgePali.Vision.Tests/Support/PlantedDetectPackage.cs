using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Vision.Tests.Support;

/// <summary>
/// A tiny PaliGemma 1 int8 package whose next-token memory has a well-formed detect answer planted
/// (<see cref="Answer"/>: two objects in PaliGemma's format, then eos): greedy generation writes exactly that answer
/// whatever the image and prompt. Real builder, real ONNX Runtime; only the weights are made up. From the shared
/// <see cref="TinyPackageCache"/> (read-only).
/// </summary>
public sealed class PlantedDetectPackage : IAsyncLifetime
{
    /// <summary>&lt;loc0100&gt;&lt;loc0200&gt;&lt;loc0600&gt;&lt;loc0700&gt; car ; &lt;loc0050&gt;&lt;loc0060&gt;&lt;loc0500&gt;&lt;loc0400&gt; person&lt;eos&gt;,
    /// as the Gemma tokenizer writes it: " car", " ;", " ", ..., " person".</summary>
    public static readonly int[] Answer = [256100, 256200, 256600, 256700, 1226, 2161, 235248, 256050, 256060, 256500, 256400, 1552, PaliGemmaTokens.Eos];

    public string Pg1Int8 { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var entry = await TinyPackageCache.GetOrBuildAsync("planted-detect-int8", $"planted v1 tiny seed 21 int8 answer {string.Join(',', Answer)}", async folder =>
        {
            var checkpoint = Path.Combine(folder, "checkpoint");
            TestCheckpoint.Write(checkpoint, TestCheckpointPreset.Tiny, seed: 21, plantedAnswer: Answer);
            await PackageBuilder.BuildAsync(new PackageBuildOptions(checkpoint, Path.Combine(folder, "package"), WeightFormat.Int8));
            Directory.Delete(checkpoint, recursive: true);
        });
        Pg1Int8 = Path.Combine(entry, "package");
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
