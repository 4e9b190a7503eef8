using EdgePali.Quantize.Commands;
using EdgePali.Quantize.Vae;
using Microsoft.ML.OnnxRuntime;

namespace EdgePali.Quantize.Tests.Vae;

/// <summary>Builds one random-weight VAE (npz -> onnx) per test class, in a temporary folder.</summary>
public sealed class RandomVaeFixture : IDisposable
{
    public RandomVaeFixture()
    {
        Folder = Directory.CreateTempSubdirectory("edgepali-vae-").FullName;
        NpzPath = Path.Combine(Folder, "vae-oid.npz");
        OnnxPath = Path.Combine(Folder, "onnx", "vae_decoder.onnx");
        TestVae.Write(NpzPath, seed: 3, embeddingDim: 64);
        VaeDecoderGraph.Write(NpzPath, OnnxPath);
        Weights = VaeDecoderWeights.Load(NpzPath);
    }

    public string Folder { get; }

    public string NpzPath { get; }

    public string OnnxPath { get; }

    public VaeDecoderWeights Weights { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class VaeDecoderGraphTests(RandomVaeFixture vae) : IClassFixture<RandomVaeFixture>
{
    [Fact]
    public void OnnxDecoder_MatchesTheNaiveReference_OnRandomCodes()
    {
        var random = new Random(11);
        const int Batch = 3;
        var codes = new long[Batch * 16];
        for (var i = 0; i < codes.Length; i++)
            codes[i] = random.Next(128);

        using var session = new InferenceSession(vae.OnnxPath);
        using var input = OrtValue.CreateTensorValueFromMemory(codes, [Batch, 16]);
        using var outputs = session.Run(new RunOptions(), [VaeDecoderGraph.InputName], [input], [VaeDecoderGraph.OutputName]);
        var masks = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal([Batch, 64, 64], outputs[0].GetTensorTypeAndShape().Shape);

        for (var b = 0; b < Batch; b++)
        {
            var expected = VaeDecoderReference.Decode(vae.Weights, codes.Skip(b * 16).Take(16).Select(c => (int)c).ToArray());
            var actual = masks.AsSpan(b * 4096, 4096);
            var worst = 0.0;
            for (var i = 0; i < 4096; i++)
                worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i])));
            Assert.True(worst < 1e-4, $"mask {b}: worst relative difference {worst}");

            // Random weights must still give a mask with structure, or the comparison proves little.
            var mean = expected.Average();
            var spread = Math.Sqrt(expected.Average(v => (v - mean) * (v - mean)));
            Assert.True(spread > 1e-3, $"mask {b} is flat (std {spread})");
        }
    }

    [Fact]
    public void Npz_RoundTripsArrays()
    {
        var path = Path.Combine(vae.Folder, "roundtrip.npz");
        NpyArray[] arrays = [new("a.weight", [2, 3], [1, -2, 3.5f, 0, float.MaxValue, -0f]), new("b", [4], [1, 2, 3, 4])];

        NpzFile.Write(path, arrays);
        var read = NpzFile.Read(path);

        Assert.Equal(arrays[0].Shape, read["a.weight"].Shape);
        Assert.Equal(arrays[0].Data, read["a.weight"].Data);
        Assert.Equal(arrays[1].Data, read["b"].Data);
    }

    [Fact]
    public void MissingArray_IsNamedInTheError()
    {
        var arrays = TestVae.CreateArrays(embeddingDim: 8).Where(a => a.Name != "decoder.8.bias").ToDictionary(a => a.Name);

        var error = Assert.Throws<InvalidDataException>(() => VaeDecoderWeights.FromArrays(arrays, "x.npz"));

        Assert.Contains("decoder.8.bias", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongShape_IsNamedInTheError()
    {
        var arrays = TestVae.CreateArrays(embeddingDim: 8).ToDictionary(a => a.Name);
        arrays["decoder.6.weight"] = new NpyArray("decoder.6.weight", [64, 128, 4, 4], new float[64 * 128 * 16]);

        var error = Assert.Throws<InvalidDataException>(() => VaeDecoderWeights.FromArrays(arrays, "x.npz"));

        Assert.Contains("'decoder.6.weight' in 'x.npz' has shape (64, 128, 4, 4); expected (128, 64, 4, 4)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileThatIsNotAnNpz_IsRejectedClearly()
    {
        var path = Path.Combine(vae.Folder, "not.npz");
        File.WriteAllText(path, "hello");

        var error = Assert.Throws<InvalidDataException>(() => VaeDecoderWeights.Load(path));

        Assert.Contains("is not an .npz file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_MakeTestVaeThenBuildVae_WritesALoadableDecoder()
    {
        var npz = Path.Combine(vae.Folder, "cli.npz");
        var onnx = Path.Combine(vae.Folder, "cli", "onnx", "vae_decoder.onnx");

        Assert.Equal(0, await QuantizeCli.RunAsync(["make-test-vae", "--out", npz, "--embedding-dim", "16"]));
        Assert.Equal(0, await QuantizeCli.RunAsync(["build-vae", "--npz", npz, "--out", onnx]));

        using var session = new InferenceSession(onnx);
        Assert.Equal(VaeDecoderGraph.InputName, Assert.Single(session.InputNames));
        Assert.Equal(VaeDecoderGraph.OutputName, Assert.Single(session.OutputNames));
        Assert.Equal(["vae_decoder.onnx", "vae_decoder.onnx_data"], Directory.GetFileSystemEntries(Path.GetDirectoryName(onnx)!).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Cli_BuildVaeWithoutWeights_FailsWithoutWritingAnything()
    {
        var onnx = Path.Combine(vae.Folder, "none", "vae_decoder.onnx");

        Assert.Equal(1, await QuantizeCli.RunAsync(["build-vae", "--npz", Path.Combine(vae.Folder, "missing.npz"), "--out", onnx]));
        Assert.False(File.Exists(onnx));
    }
}
