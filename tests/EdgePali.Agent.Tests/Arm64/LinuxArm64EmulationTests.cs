using System.Diagnostics;
using System.Text.Json;
using EdgePali.Agent.Tests.Support;
using Google.Protobuf;
using Onnx;

namespace EdgePali.Agent.Tests.Arm64;

/// <summary>
/// The linux-arm64 build, run on this x64 machine under qemu-aarch64-static (see docs/deploy.md), does what the
/// x64 build does: the same package files from the quantizer, the same generated token ids and text from
/// `edgepali infer`. Emulation is slow (docs/deploy.md has the times), so the tiny package and four tokens.
/// </summary>
[Trait("Category", "Arm64")]
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class LinuxArm64EmulationTests(Arm64Programs arm64) : IClassFixture<Arm64Programs>
{
    private const ushort ElfMachineAarch64 = 183;

    [Fact]
    public void Published_ProgramsAndOnnxRuntime_AreAarch64Elf()
    {
        // So the tests below cannot pass by running x64 files: the apphosts and ORT's native library are arm64.
        Assert.Equal(ElfMachineAarch64, ElfMachine(arm64.Edgepali));
        Assert.Equal(ElfMachineAarch64, ElfMachine(arm64.Quantize));
        Assert.Equal(ElfMachineAarch64, ElfMachine(arm64.OnnxRuntimeLibrary));
    }

    [Fact]
    public async Task QuantizeBuild_UnderEmulation_WritesTheSameFilesAsX64()
    {
        // The arm64 quantiser builds the int8 package from the same checkpoint, and the files match the x64 build's
        // (block quantisation, ONNX protobuf writing and sha256 via arm64 libcrypto all ran on arm64).
        var output = Path.Combine(arm64.Scratch, "tiny-int8-built-on-arm64");

        var built = await EmulatedArm64.RunAsync(arm64.Quantize, "build", "--checkpoint", arm64.CheckpointPath, "--out", output, "--weights", "int8");

        Assert.True(built.ExitCode == 0, built.ToString());
        // Weights, tokenizer and configuration: size and sha256 in the manifests.
        var expected = ManifestFilesExceptGraphs(arm64.PackagePath);
        Assert.Contains(expected, f => f.StartsWith("onnx/decoder_model_merged_int8.onnx_data ", StringComparison.Ordinal));
        Assert.Equal(expected, ManifestFilesExceptGraphs(output));
        // ONNX graphs: identical but for producer_version, the builder's version with its git commit, which differs
        // when a commit lands between the x64 build and the arm64 publish.
        var graphs = Directory.GetFiles(Path.Combine(arm64.PackagePath, "onnx"), "*.onnx");
        Assert.Equal(3, graphs.Length);
        foreach (var graph in graphs)
        {
            Assert.Equal(GraphWithoutProducerVersion(graph), GraphWithoutProducerVersion(Path.Combine(output, "onnx", Path.GetFileName(graph))));
        }
    }

    [Theory]
    [InlineData("int8")]
    [InlineData("w8a8")]
    public async Task Infer_UnderEmulation_GivesTheSameTokenIdsAndTextAsX64(string weights)
    {
        // ORT's arm64 CPU library runs the vision encoder, embedding and decoder (int8: MatMulNBits; w8a8: QuantizeLinear
        // and MatMulIntegerToFloat on its arm64 QGEMM kernels); PNG decoding (managed, no OpenCV), preprocessing,
        // prompt tokenizing, generation and decoding run managed on arm64. Four tokens keep it short.
        var package = weights == "w8a8" ? arm64.W8A8PackagePath : arm64.PackagePath;
        string[] arguments = ["infer", "--model", package, "--image", arm64.ImagePath, "--prompt", "caption en", "--max-tokens", "4", "--json"];

        var onX64 = await ProcessRunner.RunAsync(new ProcessStartInfo(RepositoryPaths.BesideTests("edgepali"), arguments), EmulatedArm64.Deadline);
        var onArm64 = await EmulatedArm64.RunAsync(arm64.Edgepali, arguments);

        Assert.True(onX64.ExitCode == 0, onX64.ToString());
        Assert.True(onArm64.ExitCode == 0, onArm64.ToString());
        var (x64Ids, x64Text) = Result(onX64.Stdout);
        var (arm64Ids, arm64Text) = Result(onArm64.Stdout);
        Assert.Equal(4, x64Ids.Length);
        Assert.Equal(x64Ids, arm64Ids);
        Assert.Equal(x64Text, arm64Text);
    }

    private static ushort ElfMachine(string path)
    {
        // ELF header: magic at 0, e_machine (little-endian u16) at offset 18.
        Span<byte> header = stackalloc byte[20];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(header);
        }

        Assert.True(header[..4].SequenceEqual("\u007fELF"u8), $"{path} is not an ELF file");
        return BitConverter.ToUInt16(header[18..]);
    }

    private static string[] ManifestFilesExceptGraphs(string package)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(package, "edgepali.json")));
        return [.. manifest.RootElement.GetProperty("files").EnumerateArray()
            .Where(f => !f.GetProperty("path").GetString()!.EndsWith(".onnx", StringComparison.Ordinal))
            .Select(f => $"{f.GetProperty("path").GetString()} {f.GetProperty("bytes").GetInt64()} {f.GetProperty("sha256").GetString()}")];
    }

    private static byte[] GraphWithoutProducerVersion(string path)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        model.ProducerVersion = "";
        return model.ToByteArray();
    }

    private static (int[] TokenIds, string? Text) Result(string json)
    {
        using var result = JsonDocument.Parse(json);
        var root = result.RootElement;
        return ([.. root.GetProperty("token_ids").EnumerateArray().Select(i => i.GetInt32())], root.GetProperty("text").GetString());
    }
}
