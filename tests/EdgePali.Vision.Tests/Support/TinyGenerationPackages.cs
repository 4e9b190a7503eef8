using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Vision.Tests.Support;

/// <summary>
/// Tiny random-weight PaliGemma packages built by the real builder (the only models that can exist here):
/// PaliGemma 1 and 2 architectures, int8 and fp32, and int8 in the fused graph layout. They come from the shared
/// <see cref="TinyPackageCache"/> (built once per test run, read-only); <see cref="Scratch"/> is this fixture's own
/// folder for files a test writes. The weights are random, so the text means nothing; the computation is real.
/// </summary>
public class TinyGenerationPackages : IAsyncLifetime
{
    /// <summary>Image side of the tiny presets (56 px, 16 image tokens).</summary>
    public const int ImageSize = 56;

    private readonly bool _onlyPg1Int8;
    // A path, not a TestDirectory: xunit disposes fixtures through IAsyncLifetime, and CA1001 wants owners of
    // disposable fields to be IDisposable.
    private readonly string _scratch = Directory.CreateTempSubdirectory("edgepali-tiny-scratch-").FullName;

    public TinyGenerationPackages()
        : this(onlyPg1Int8: false)
    {
    }

    protected TinyGenerationPackages(bool onlyPg1Int8) => _onlyPg1Int8 = onlyPg1Int8;

    public string Pg1Int8 { get; private set; } = "";

    public string Pg1Fp32 { get; private set; } = "";

    public string Pg2Int8 { get; private set; } = "";

    public string Pg2Fp32 { get; private set; } = "";

    /// <summary>int8 in the fused graph layout (ORT contrib ops: GroupQueryAttention, skip norms, MultiHeadAttention).</summary>
    public string Pg1Int8Fused { get; private set; } = "";

    public string Pg2Int8Fused { get; private set; } = "";

    /// <summary>A scratch folder for test files (images, copies of packages), deleted with the fixture.</summary>
    public string Scratch => _scratch;

    public async Task InitializeAsync()
    {
        Pg1Int8 = await TinyPackageCache.PackageAsync(new(TestCheckpointPreset.Tiny, 11, WeightFormat.Int8));
        if (_onlyPg1Int8)
        {
            return;
        }

        Pg1Fp32 = await TinyPackageCache.PackageAsync(new(TestCheckpointPreset.Tiny, 11, WeightFormat.Fp32));
        Pg2Int8 = await TinyPackageCache.PackageAsync(new(TestCheckpointPreset.Tiny2, 12, WeightFormat.Int8));
        Pg2Fp32 = await TinyPackageCache.PackageAsync(new(TestCheckpointPreset.Tiny2, 12, WeightFormat.Fp32));
        Pg1Int8Fused = await TinyPackageCache.PackageAsync(new(TestCheckpointPreset.Tiny, 11, WeightFormat.Int8, GraphLayout.Fused));
        Pg2Int8Fused = await TinyPackageCache.PackageAsync(new(TestCheckpointPreset.Tiny2, 12, WeightFormat.Int8, GraphLayout.Fused));
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException)
        {
            // Leftover temp files are harmless.
        }

        return Task.CompletedTask;
    }
}

/// <summary>Only the PaliGemma 1 int8 package: enough for behaviour tests, quicker to build.</summary>
public sealed class TinyPg1Int8Package : TinyGenerationPackages
{
    public TinyPg1Int8Package()
        : base(onlyPg1Int8: true)
    {
    }
}
