using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;
using OpenCvSharp;

namespace EdgePali.Agent.Tests.Arm64;

/// <summary>
/// `edgepali` and `edgepali-quantize` published self-contained for linux-arm64 by tests/arm64/publish.sh (once per
/// test run: about a minute of CPU), plus what they run on: the tiny random-weight checkpoint and its int8
/// package built on x64 by the builder's API (shared cache), and a small PNG. All but the cache in a temp folder deleted afterwards.
/// </summary>
public sealed class Arm64Programs : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgepali-arm64-" + Guid.NewGuid().ToString("N"));

    private string Published => Path.Combine(_root, "publish");

    /// <summary>The arm64 single-file `edgepali`.</summary>
    public string Edgepali => Path.Combine(Published, "edgepali", "edgepali");

    /// <summary>The arm64 single-file `edgepali-quantize`.</summary>
    public string Quantize => Path.Combine(Published, "edgepali-quantize", "edgepali-quantize");

    /// <summary>ONNX Runtime's native library shipped beside the arm64 `edgepali`.</summary>
    public string OnnxRuntimeLibrary => Path.Combine(Published, "edgepali", "libonnxruntime.so");

    /// <summary>The tiny random-weight checkpoint (from the shared <see cref="TinyPackageCache"/>, read-only).</summary>
    public string CheckpointPath { get; private set; } = "";

    /// <summary>The tiny int8 package as the x64 builder writes it (from the shared cache, read-only).</summary>
    public string PackagePath { get; private set; } = "";

    /// <summary>The tiny w8a8 package (MatMulIntegerToFloat: ORT's arm64 QGEMM kernels instead of MatMulNBits').</summary>
    public string W8A8PackagePath { get; private set; } = "";

    /// <summary>A 64 x 48 PNG with gradients and a square (not square itself, so resizing runs on both axes).</summary>
    public string ImagePath => Path.Combine(_root, "scene.png");

    /// <summary>A folder for the tests' own outputs.</summary>
    public string Scratch => Path.Combine(_root, "scratch");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Scratch);
        (await ProcessRunner.RunAsync("bash", [Path.Combine(RepositoryPaths.Root, "tests", "arm64", "publish.sh"), Published], TimeSpan.FromMinutes(20)))
            .EnsureSuccess("tests/arm64/publish.sh publishes the linux-arm64 programs");
        CheckpointPath = await TinyPackageCache.CheckpointAsync(TestCheckpointPreset.Tiny, seed: 7);
        PackagePath = await TinyPackageCache.PackageAsync(new(TestCheckpointPreset.Tiny, 7, WeightFormat.Int8));
        W8A8PackagePath = await TinyPackageCache.PackageAsync(new(TestCheckpointPreset.Tiny, 7, WeightFormat.W8A8));
        WriteImage(ImagePath);
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    private static void WriteImage(string path)
    {
        const int Width = 64, Height = 48;
        var bgr = new byte[Width * Height * 3];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var i = ((y * Width) + x) * 3;
                (bgr[i], bgr[i + 1], bgr[i + 2]) = ((byte)(x * 4), (byte)(y * 5), (byte)((x + y) * 3));
            }
        }

        using var image = Mat.FromPixelData(Height, Width, MatType.CV_8UC3, bgr);
        Cv2.Rectangle(image, new Rect(20, 10, 16, 16), new Scalar(30, 200, 240), -1);
        if (!Cv2.ImWrite(path, image))
        {
            throw new IOException($"could not write {path}");
        }
    }
}
