using EdgePali.Quantize.Vae;

namespace EdgePali.Quantize.Tests.Vae;

/// <summary>The npz reader and writer against NumPy itself (python3-numpy, installed by ./test.sh).</summary>
[Trait(TestKinds.Trait, TestKinds.Conformance)]
public sealed class NpzNumpyConformanceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("edgepali-npz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ArraysSavedByNumpy_ReadBackExactly()
    {
        var path = Path.Combine(_folder, "numpy.npz");
        RunPython($$"""
            import numpy as np
            a = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 7.25
            b = np.linspace(-1, 1, 5).astype(np.float64)
            c = np.array([0.5, -2, 65504], dtype=np.float16)
            np.savez_compressed(r'{{path}}', **{'_vq_vae._embedding': a, 'decoder.0.bias': b, 'half': c})
            """);

        var arrays = NpzFile.Read(path);

        Assert.Equal([2, 3, 4], arrays["_vq_vae._embedding"].Shape);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => i - 7.25f), arrays["_vq_vae._embedding"].Data);
        Assert.Equal([-1f, -0.5f, 0, 0.5f, 1f], arrays["decoder.0.bias"].Data);
        Assert.Equal([0.5f, -2f, 65504f], arrays["half"].Data);
    }

    [Fact]
    public void ArraysWrittenHere_LoadInNumpy()
    {
        var path = Path.Combine(_folder, "ours.npz");
        NpzFile.Write(path, [new NpyArray("decoder.12.weight", [1, 16, 1, 1], Enumerable.Range(0, 16).Select(i => i * 0.5f).ToArray()), new NpyArray("v", [3], [1, 2, 3])]);

        var output = RunPython($$"""
            import numpy as np
            z = np.load(r'{{path}}')
            w = z['decoder.12.weight']
            print(w.dtype, w.shape, float(w.sum()), z['v'].shape)
            """);

        Assert.Equal("float32 (1, 16, 1, 1) 60.0 (3,)", output.Trim());
    }

    private static string RunPython(string script) =>
        ProcessRunner.RunAsync(ProcessRunner.Python, ["-"], TimeSpan.FromMinutes(2), stdin: script).GetAwaiter().GetResult()
            .EnsureSuccess("is python3-numpy installed? ./test.sh installs it").Stdout;
}
