using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Agent.Tests.Support;

/// <summary>
/// A tiny random-weight PaliGemma package (int8) in a folder named demo-tiny (the model name results carry), from the
/// shared <see cref="TinyPackageCache"/>: built once per test run, read-only (tests copy it before changing files).
/// </summary>
public sealed class TinyModelFixture : IAsyncLifetime
{
    public string PackagePath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var entry = await TinyPackageCache.GetOrBuildAsync("agent-demo-tiny", "demo-tiny v1: Tiny seed 7 int8", async folder =>
        {
            var checkpoint = await TinyPackageCache.CheckpointAsync(TestCheckpointPreset.Tiny, seed: 7);
            await PackageBuilder.BuildAsync(new PackageBuildOptions(checkpoint, Path.Combine(folder, "demo-tiny"), WeightFormat.Int8));
        });
        PackagePath = Path.Combine(entry, "demo-tiny");
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
