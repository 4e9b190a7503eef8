using EdgePali.Agent.Tests.Support;
using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Agent.Tests.Benchmarking;

/// <summary>A tiny int8 PaliGemma package built once per test class with the real builder (the tiny preset's shapes).</summary>
public sealed class TinyBenchPackage : IDisposable
{
    private readonly TestDirectory _root = new();

    public TinyBenchPackage()
    {
        var checkpoint = Path.Combine(_root.Path, "checkpoint");
        Directory = Path.Combine(_root.Path, "tiny-int8");
        TestCheckpoint.Write(checkpoint, TestCheckpointPreset.Tiny, seed: 3);
        PackageBuilder.BuildAsync(new PackageBuildOptions(checkpoint, Directory, WeightFormat.Int8)).GetAwaiter().GetResult();
    }

    public string Directory { get; }

    public void Dispose() => _root.Dispose();
}
