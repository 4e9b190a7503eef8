using System.Security.Cryptography;
using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Rewriting;
using EdgePali.Quantize.Verification;
using EdgePali.Vision.Packages;
using Onnx;
using Xunit.Abstractions;

namespace EdgePali.Quantize.Tests.Rewriting;

[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class PackageQuantizerTests(QuantizedTinyPackages packages, ITestOutputHelper output) : IClassFixture<QuantizedTinyPackages>
{
    [Fact]
    public void Int8_FromFp32_WritesTheSameMatMulNBitsWeightsAsTheBuilder()
    {
        foreach (var part in new[] { ModelPartNames.VisionEncoder, ModelPartNames.Decoder })
        {
            using var built = OnnxModelSource.Open(Path.Combine(packages.Int8Dir, "onnx", part + "_int8.onnx"));
            using var quantized = OnnxModelSource.Open(Path.Combine(packages.QuantizedInt8Dir, "onnx", part + "_int8.onnx"));
            var builtNodes = built.Model.Graph.Node.Where(n => n.OpType == "MatMulNBits").ToList();
            var quantizedNodes = quantized.Model.Graph.Node.Where(n => n.OpType == "MatMulNBits").ToList();
            Assert.NotEmpty(builtNodes);
            Assert.Equal(builtNodes.Count, quantizedNodes.Count);
            for (var i = 0; i < builtNodes.Count; i++)
            {
                Assert.Equal(builtNodes[i].Attribute.Select(a => (a.Name, a.I)), quantizedNodes[i].Attribute.Select(a => (a.Name, a.I)));
                for (var input = 1; input < builtNodes[i].Input.Count; input++)
                    Assert.Equal(InitializerBytes.Read(built, builtNodes[i].Input[input]), InitializerBytes.Read(quantized, quantizedNodes[i].Input[input]));
            }
        }
    }

    [Fact]
    public async Task Int8_FromFp32_RunsInTheEngine_AndAgreesWithTheBuilderInt8()
    {
        var report = await PackageComparer.CompareAsync(new VerifyOptions(packages.Int8Dir, packages.QuantizedInt8Dir, "int8", "int8", MaxImages: 2, MaxNewTokens: 6));
        Assert.True(report.VisionCosineMin > 0.99999, $"vision cosine {report.VisionCosineMin}");
        Assert.True(report.PrefillLogitsCosineMin > 0.99999, $"logits cosine {report.PrefillLogitsCosineMin}");
        Assert.Equal(1.0, report.Top1Agreement);
        Assert.Equal(1.0, report.GreedyEqualRate);
    }

    [Fact]
    public async Task Int8Decoder_Top1AgreementVsFp32_IsAtLeast98Percent_AndDynamicInt8IsReportedBesideIt()
    {
        var int8 = await PackageComparer.CompareAsync(new VerifyOptions(packages.Fp32Dir, packages.QuantizedInt8Dir, "fp32", "int8", MaxImages: 2, MaxNewTokens: 16));
        var dynamic = await PackageComparer.CompareAsync(new VerifyOptions(packages.Fp32Dir, packages.DynamicInt8Dir, "fp32", "quantized", MaxImages: 2, MaxNewTokens: 16));
        output.WriteLine($"int8:         vision cos {int8.VisionCosineMean:F5}, logits cos {int8.PrefillLogitsCosineMean:F5}, top-1 {int8.Top1Agreement:P2} over {int8.Positions} (prompt {int8.Top1PromptPositions:P2}), greedy equal {int8.GreedyEqualRate:P0}, {int8.Candidate.Bytes} bytes");
        output.WriteLine($"dynamic-int8: vision cos {dynamic.VisionCosineMean:F5}, logits cos {dynamic.PrefillLogitsCosineMean:F5}, top-1 {dynamic.Top1Agreement:P2} over {dynamic.Positions} (prompt {dynamic.Top1PromptPositions:P2}), greedy equal {dynamic.GreedyEqualRate:P0}, {dynamic.Candidate.Bytes} bytes");
        Assert.True(int8.Top1Agreement >= 0.98, $"int8 top-1 {int8.Top1Agreement:P2}");
        Assert.True(int8.VisionCosineMean >= 0.99, $"int8 vision cosine {int8.VisionCosineMean}");
        // Outlier input channels stretch a per-channel scale over the whole of K; blocks of 32 contain them.
        Assert.True(dynamic.PrefillLogitsCosineMean < int8.PrefillLogitsCosineMean, $"dynamic {dynamic.PrefillLogitsCosineMean} vs int8 {int8.PrefillLogitsCosineMean}");
    }

    [Fact]
    public void Manifest_RecordsModeSourcesAndEveryWeightNode()
    {
        var manifest = PackageManifest.Read(packages.QuantizedInt8Dir);
        Assert.Equal("int8", manifest.Mode);
        Assert.Equal("int8", manifest.Variant);
        Assert.Equal("32", manifest.Options["block_size"]);

        var sourceGraph = Path.Combine(packages.Fp32Dir, "onnx", "decoder_model_merged.onnx_data");
        var recorded = Assert.Single(manifest.SourceFiles, f => f.Path == "onnx/decoder_model_merged.onnx_data");
        using (var stream = File.OpenRead(sourceGraph))
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stream)), recorded.Sha256);

        // Tiny: 2 layers x (qkv, out, fc1, fc2) + projector in the vision tower; 2 x (qkv, o, gate_up, down) + LM head in the decoder.
        Assert.Equal(9, manifest.Parts.Single(p => p.Part == "vision_encoder").QuantizedNodes);
        Assert.Equal(9, manifest.Parts.Single(p => p.Part == "decoder_model_merged").QuantizedNodes);
        Assert.Equal(1, manifest.Parts.Single(p => p.Part == "embed_tokens").QuantizedNodes);
        Assert.Contains(manifest.Nodes, n => n.Op == "MatMul" && !n.Quantized && n.Detail.Contains("computed at run time", StringComparison.Ordinal));
        Assert.Contains(manifest.Nodes, n => n.Op == "Conv" && !n.Quantized);
        Assert.Contains(manifest.Nodes, n => n.Op == "Gemm" && n.Quantized && n.Detail.StartsWith("MatMulNBits bits=8", StringComparison.Ordinal));
        foreach (var file in manifest.Files)
            Assert.Equal(new FileInfo(Path.Combine(packages.QuantizedInt8Dir, file.Path)).Length, file.Bytes);
        Assert.Contains(manifest.Files, f => f.Path == "tokenizer.json");
        Assert.False(File.Exists(Path.Combine(packages.QuantizedInt8Dir, "onnx", "vision_encoder.onnx")));
    }

    [Fact]
    public async Task QuantizedPackage_PassesTheEnginesChecksumVerification()
    {
        var package = ModelPackage.Open(packages.QuantizedInt8Dir);
        Assert.Equal("int8", package.Variant.Name);
        await package.VerifyChecksumsAsync(CancellationToken.None);
        var dynamic = ModelPackage.Open(packages.DynamicInt8Dir);
        Assert.Equal("quantized", dynamic.Variant.Name);
        await dynamic.VerifyChecksumsAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Exclude_And_Parts_KeepNodesFloat_WithTheReason()
    {
        var outDir = Path.Combine(packages.Scratch, "excluded-" + Guid.NewGuid().ToString("N"));
        var result = await PackageQuantizer.QuantizeAsync(new QuantizeOptions(
            packages.Fp32Dir, outDir, QuantizationMode.Int4, Parts: new HashSet<ModelPart> { ModelPart.Decoder }, Exclude: ["*lm_head*"]));
        var nodes = result.Manifest.Nodes;
        Assert.Contains(nodes, n => n.Part == "decoder_model_merged" && n.Op == "Gemm" && !n.Quantized && n.Detail == "matches --exclude '*lm_head*'");
        Assert.Contains(nodes, n => n.Part == "decoder_model_merged" && n.Quantized && n.Detail.StartsWith("MatMulNBits bits=4", StringComparison.Ordinal));
        Assert.All(nodes.Where(n => n.Part == "vision_encoder" && n.Op == "MatMul" && !n.Detail.Contains("run time", StringComparison.Ordinal)),
            n => Assert.Equal("part not selected with --parts", n.Detail));
        Assert.DoesNotContain(nodes, n => n.Part != "decoder_model_merged" && n.Quantized);
        var package = ModelPackage.Open(outDir);
        Assert.Equal("q4", package.Variant.Name);
        using var probe = new PackageProbe(outDir, "q4");
        Assert.Equal(packages.Config.Text.LayerCount, probe.Config.Text.LayerCount);
    }

    [Fact]
    public async Task ExistingOutput_IsRefusedWithoutForce_AndReplacedWithForce()
    {
        var outDir = Path.Combine(packages.Scratch, "existing-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(outDir);
        await File.WriteAllTextAsync(Path.Combine(outDir, "keep.txt"), "user data");
        var error = await Assert.ThrowsAsync<QuantizeException>(() => PackageQuantizer.QuantizeAsync(new QuantizeOptions(packages.Fp32Dir, outDir, QuantizationMode.Int8, Parts: new HashSet<ModelPart> { ModelPart.EmbedTokens })));
        Assert.Contains("--force", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(outDir, "keep.txt")));

        await PackageQuantizer.QuantizeAsync(new QuantizeOptions(packages.Fp32Dir, outDir, QuantizationMode.Int8, Parts: new HashSet<ModelPart> { ModelPart.EmbedTokens }, Force: true));
        Assert.False(File.Exists(Path.Combine(outDir, "keep.txt")));
        Assert.True(File.Exists(Path.Combine(outDir, "onnx", "embed_tokens_int8.onnx")));
    }

    [Fact]
    public async Task TruncatedSourceData_FailsWithAClearError_AndLeavesNothingBehind()
    {
        var broken = Path.Combine(packages.Scratch, "broken-" + Guid.NewGuid().ToString("N"));
        CopyDirectory(packages.Fp32Dir, broken);
        var data = Path.Combine(broken, "onnx", "decoder_model_merged.onnx_data");
        using (var stream = new FileStream(data, FileMode.Open))
            stream.SetLength(stream.Length / 2);
        var parent = Path.Combine(packages.Scratch, "out-" + Guid.NewGuid().ToString("N"));
        var outDir = Path.Combine(parent, "pkg");

        var error = await Assert.ThrowsAsync<QuantizeException>(() => PackageQuantizer.QuantizeAsync(new QuantizeOptions(broken, outDir, QuantizationMode.Int8)));

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
        Assert.Empty(Directory.EnumerateFileSystemEntries(parent));
    }

    [Fact]
    public async Task OutputInsideTheSource_IsRefused()
    {
        var error = await Assert.ThrowsAsync<QuantizeException>(() => PackageQuantizer.QuantizeAsync(new QuantizeOptions(packages.Fp32Dir, packages.Fp32Dir, QuantizationMode.Int8, Force: true)));
        Assert.Contains("source package itself", error.Message, StringComparison.Ordinal);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }
}
