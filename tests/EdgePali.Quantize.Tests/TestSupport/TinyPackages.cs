using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;
using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Tests.TestSupport;

/// <summary>
/// A tiny random checkpoint and its fp32 and int8 packages, in the standard and the fused graph layout, built once
/// per test class (xunit class fixture) in a temporary folder that is deleted afterwards. They keep logits for every position (not the default last one):
/// the reference-forward and agreement tests score each prompt position.
/// </summary>
public abstract class TinyPackages : IDisposable
{
    protected TinyPackages(TestCheckpointPreset preset)
    {
        Root = Path.Combine(Path.GetTempPath(), $"edgepali-quantize-tests-{preset}-{Guid.NewGuid():N}");
        CheckpointDir = Path.Combine(Root, "checkpoint");
        TestCheckpoint.Write(CheckpointDir, preset, seed: 7);
        Fp32Dir = Path.Combine(Root, "fp32");
        Int8Dir = Path.Combine(Root, "int8");
        FusedFp32Dir = Path.Combine(Root, "fused-fp32");
        FusedInt8Dir = Path.Combine(Root, "fused-int8");
        Task.WhenAll(
            PackageBuilder.BuildAsync(new PackageBuildOptions(CheckpointDir, Fp32Dir, WeightFormat.Fp32, Logits: DecoderLogits.AllPositions)),
            PackageBuilder.BuildAsync(new PackageBuildOptions(CheckpointDir, Int8Dir, WeightFormat.Int8, Logits: DecoderLogits.AllPositions)),
            PackageBuilder.BuildAsync(new PackageBuildOptions(CheckpointDir, FusedFp32Dir, WeightFormat.Fp32, Logits: DecoderLogits.AllPositions, Graph: GraphLayout.Fused)),
            PackageBuilder.BuildAsync(new PackageBuildOptions(CheckpointDir, FusedInt8Dir, WeightFormat.Int8, Logits: DecoderLogits.AllPositions, Graph: GraphLayout.Fused))).GetAwaiter().GetResult();
        Config = PaliGemmaConfigReader.ReadCheckpoint(CheckpointDir);
    }

    public string Root { get; }

    public string CheckpointDir { get; }

    public string Fp32Dir { get; }

    public string Int8Dir { get; }

    /// <summary>fp32 with ORT's fused contrib ops (<see cref="GraphLayout.Fused"/>).</summary>
    public string FusedFp32Dir { get; }

    /// <summary>int8 with ORT's fused contrib ops.</summary>
    public string FusedInt8Dir { get; }

    public PaliGemmaConfig Config { get; }

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}

public sealed class TinyPaliGemma1Packages() : TinyPackages(TestCheckpointPreset.Tiny);

public sealed class TinyPaliGemma2Packages() : TinyPackages(TestCheckpointPreset.Tiny2);

/// <summary>Test classes in this collection share one tiny PaliGemma 1 checkpoint and its packages (built once per run).</summary>
[CollectionDefinition(Name)]
public sealed class TinyPaliGemma1Shared : ICollectionFixture<TinyPaliGemma1Packages>
{
    public const string Name = "tiny PaliGemma 1 packages";
}
