using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;
using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>
/// A tiny random checkpoint and its fp32 and int8 packages, in the standard and the fused graph layout, from the
/// shared <see cref="TinyPackageCache"/> (built once per test run, read-only: tests copy before they change files).
/// They keep logits for every position (not the default last one): the reference-forward and agreement tests score
/// each prompt position. <see cref="Scratch"/> is this fixture's own folder for what tests write, deleted afterwards.
/// </summary>
public abstract class TinyPackages : IDisposable
{
    private readonly TestDirectory _scratch;

    protected TinyPackages(TestCheckpointPreset preset)
    {
        _scratch = new TestDirectory($"edgepali-quantize-tests-{preset}");
        TinyPackageSpec Spec(WeightFormat weights, GraphLayout graph) => new(preset, Seed, weights, graph, DecoderLogits.AllPositions);
        var checkpoint = TinyPackageCache.CheckpointAsync(preset, Seed);
        var fp32 = TinyPackageCache.PackageAsync(Spec(WeightFormat.Fp32, GraphLayout.Standard));
        var int8 = TinyPackageCache.PackageAsync(Spec(WeightFormat.Int8, GraphLayout.Standard));
        var fusedFp32 = TinyPackageCache.PackageAsync(Spec(WeightFormat.Fp32, GraphLayout.Fused));
        var fusedInt8 = TinyPackageCache.PackageAsync(Spec(WeightFormat.Int8, GraphLayout.Fused));
        Task.WhenAll(checkpoint, fp32, int8, fusedFp32, fusedInt8).GetAwaiter().GetResult();
        CheckpointDir = checkpoint.Result;
        Fp32Dir = fp32.Result;
        Int8Dir = int8.Result;
        FusedFp32Dir = fusedFp32.Result;
        FusedInt8Dir = fusedInt8.Result;
        Config = PaliGemmaConfigReader.ReadCheckpoint(CheckpointDir);
    }

    /// <summary>The checkpoint seed of every tiny package of these tests.</summary>
    public const int Seed = 7;

    /// <summary>This fixture's scratch folder for files tests write (other packages, copies, videos).</summary>
    public string Scratch => _scratch.Path;

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
        _scratch.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class TinyPaliGemma1Packages() : TinyPackages(TestCheckpointPreset.Tiny);

public sealed class TinyPaliGemma2Packages() : TinyPackages(TestCheckpointPreset.Tiny2);

/// <summary>Test classes in this collection share one fixture (and its scratch folder) of the tiny PaliGemma 1 packages.</summary>
[CollectionDefinition(Name)]
public sealed class TinyPaliGemma1Shared : ICollectionFixture<TinyPaliGemma1Packages>
{
    public const string Name = "tiny PaliGemma 1 packages";
}
