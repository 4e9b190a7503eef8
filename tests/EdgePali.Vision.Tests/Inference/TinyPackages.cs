using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Vision.Tests.Inference;

/// <summary>
/// Tiny random-weight PaliGemma packages built by the real builder (the only models that can exist here):
/// PaliGemma 1 and 2 architectures, int8 and fp32, and int8 in the fused graph layout. Built once per test class that uses this fixture, in a
/// temp folder deleted afterwards. The weights are random, so the text means nothing; the computation is real.
/// </summary>
public class TinyPackages : IAsyncLifetime
{
    private readonly bool _onlyPg1Int8;

    public TinyPackages()
        : this(onlyPg1Int8: false)
    {
    }

    protected TinyPackages(bool onlyPg1Int8) => _onlyPg1Int8 = onlyPg1Int8;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgepali-tiny-" + Guid.NewGuid().ToString("N"));

    /// <summary>Image side of the tiny presets (56 px, 16 image tokens).</summary>
    public const int ImageSize = 56;

    public string Pg1Int8 => Path.Combine(_root, "pg1-int8");

    public string Pg1Fp32 => Path.Combine(_root, "pg1-fp32");

    public string Pg2Int8 => Path.Combine(_root, "pg2-int8");

    public string Pg2Fp32 => Path.Combine(_root, "pg2-fp32");

    /// <summary>int8 in the fused graph layout (ORT contrib ops: GroupQueryAttention, skip norms, MultiHeadAttention).</summary>
    public string Pg1Int8Fused => Path.Combine(_root, "pg1-int8-fused");

    public string Pg2Int8Fused => Path.Combine(_root, "pg2-int8-fused");

    /// <summary>A scratch folder for test files (images, copies of packages).</summary>
    public string Scratch => Path.Combine(_root, "scratch");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Scratch);
        var pg1 = Path.Combine(_root, "ckpt-pg1");
        TestCheckpoint.Write(pg1, TestCheckpointPreset.Tiny, seed: 11);
        await PackageBuilder.BuildAsync(new PackageBuildOptions(pg1, Pg1Int8, WeightFormat.Int8));
        if (_onlyPg1Int8)
        {
            return;
        }

        var pg2 = Path.Combine(_root, "ckpt-pg2");
        TestCheckpoint.Write(pg2, TestCheckpointPreset.Tiny2, seed: 12);
        await PackageBuilder.BuildAsync(new PackageBuildOptions(pg1, Pg1Fp32, WeightFormat.Fp32));
        await PackageBuilder.BuildAsync(new PackageBuildOptions(pg2, Pg2Int8, WeightFormat.Int8));
        await PackageBuilder.BuildAsync(new PackageBuildOptions(pg2, Pg2Fp32, WeightFormat.Fp32));
        await PackageBuilder.BuildAsync(new PackageBuildOptions(pg1, Pg1Int8Fused, WeightFormat.Int8, Graph: GraphLayout.Fused));
        await PackageBuilder.BuildAsync(new PackageBuildOptions(pg2, Pg2Int8Fused, WeightFormat.Int8, Graph: GraphLayout.Fused));
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

/// <summary>Only the PaliGemma 1 int8 package: enough for behaviour tests, quicker to build.</summary>
public sealed class TinyPg1Int8Package : TinyPackages
{
    public TinyPg1Int8Package()
        : base(onlyPg1Int8: true)
    {
    }
}
