using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Agent.Tests.Support;

/// <summary>A tiny random-weight PaliGemma package (int8), built once per test class with the builder's API.</summary>
public sealed class TinyModelFixture : IDisposable
{
    private readonly TestDirectory _directory = new();

    public TinyModelFixture()
    {
        var checkpoint = Path.Combine(_directory.Path, "checkpoint");
        PackagePath = Path.Combine(_directory.Path, "demo-tiny");
        TestCheckpoint.Write(checkpoint, TestCheckpointPreset.Tiny, seed: 7);
        PackageBuilder.BuildAsync(new PackageBuildOptions(checkpoint, PackagePath, WeightFormat.Int8)).GetAwaiter().GetResult();
    }

    public string PackagePath { get; }

    public void Dispose() => _directory.Dispose();
}
