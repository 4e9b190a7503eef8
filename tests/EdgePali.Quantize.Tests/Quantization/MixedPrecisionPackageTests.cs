using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Commands;
using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Rewriting;
using EdgePali.Vision.Packages;
using Onnx;

namespace EdgePali.Quantize.Tests.Quantization;

/// <summary>
/// `build --mix` and `quantize --mix` on the tiny PaliGemma 1 checkpoint: every linear layer gets the format its
/// rules give (bits and accuracy_level on the MatMulNBits node, fp32 as a plain MatMul), both tools write the same
/// weights for the same rules, and edgepali.json records each layer's format.
/// </summary>
[Collection(TinyPaliGemma1Shared.Name)]
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class MixedPrecisionPackageTests(TinyPaliGemma1Packages packages)
{
    private const string Rules = "decoder.mlp=int4,decoder.layers.1.attention=int8@1,vision.layers.0.mlp=fp32,lm_head=int4@1,embed=fp32";

    [Fact]
    public async Task BuildAndQuantize_WithTheSameRules_WriteTheSameLayerFormatsAndWeights()
    {
        var built = Path.Combine(packages.Scratch, "mix-built-" + Guid.NewGuid().ToString("N"));
        var quantized = Path.Combine(packages.Scratch, "mix-quantized-" + Guid.NewGuid().ToString("N"));
        var result = await PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, built, WeightFormat.Int8, Logits: DecoderLogits.AllPositions, Mix: Rules));
        await PackageQuantizer.QuantizeAsync(new QuantizeOptions(packages.Fp32Dir, quantized, QuantizationMode.Int8, Mix: Rules));

        // Builder weight names: layers.{i}.qkv / o_proj (attention), gate_up / down_proj (MLP), vision.{i}.fc1/fc2.
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["layers.0.qkv"] = "int8",
            ["layers.0.o_proj"] = "int8",
            ["layers.0.gate_up"] = "int4",
            ["layers.0.down_proj"] = "int4",
            ["layers.1.qkv"] = "int8@1",
            ["layers.1.o_proj"] = "int8@1",
            ["layers.1.gate_up"] = "int4",
            ["lm_head"] = "int4@1",
            ["vision.0.fc1"] = "fp32",
            ["vision.0.fc2"] = "fp32",
            ["vision.1.fc1"] = "int8",
            ["vision.0.qkv"] = "int8",
            ["multi_modal_projector"] = "int8",
            ["embed_tokens"] = "fp32",
        };
        var recorded = result.Manifest.Layers!.ToDictionary(l => l.Layer, l => l.Format, StringComparer.Ordinal);
        foreach (var (layer, format) in expected)
            Assert.Equal(format, recorded[layer]);
        Assert.Equal("decoder.mlp=int4@4,decoder.layers.1.attention=int8@1,vision.layers.0.mlp=fp32,lm_head=int4@1,embed=fp32", result.Manifest.WeightMix);

        foreach (var part in new[] { ModelPartNames.VisionEncoder, ModelPartNames.Decoder, ModelPartNames.EmbedTokens })
        {
            using var a = OnnxModelSource.Open(Path.Combine(built, "onnx", part + "_int8.onnx"));
            using var b = OnnxModelSource.Open(Path.Combine(quantized, "onnx", part + "_int8.onnx"));
            var builtFormats = LayerFormats(a);
            Assert.Equal(builtFormats, LayerFormats(b));
            foreach (var (layer, format) in expected.Where(e => builtFormats.ContainsKey(e.Key)))
                Assert.Equal(format, builtFormats[layer]);
            var builtNodes = a.Model.Graph.Node.Where(n => n.OpType == "MatMulNBits").ToList();
            var quantizedNodes = b.Model.Graph.Node.Where(n => n.OpType == "MatMulNBits").ToList();
            Assert.Equal(builtNodes.Count, quantizedNodes.Count);
            for (var i = 0; i < builtNodes.Count; i++)
                Assert.Equal(InitializerBytes.Read(a, builtNodes[i].Input[1]), InitializerBytes.Read(b, quantizedNodes[i].Input[1]));
        }

        Assert.Contains(PackageManifest.Read(quantized).Nodes, n => !n.Quantized && n.Detail == "--mix sets fp32 for vision layer 0 mlp");
    }

    [Fact]
    public async Task BuildAndQuantize_W8A8Rules_WriteIntegerGemmLayers_WithTheSameSmoothedWeights()
    {
        const string W8A8Rules = "decoder.mlp=w8a8,vision.layers.1=w8a8";
        var built = Path.Combine(packages.Scratch, "w8a8-built-" + Guid.NewGuid().ToString("N"));
        var quantized = Path.Combine(packages.Scratch, "w8a8-quantized-" + Guid.NewGuid().ToString("N"));
        var result = await PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, built, WeightFormat.Int8, Logits: DecoderLogits.AllPositions, Mix: W8A8Rules));
        await PackageQuantizer.QuantizeAsync(new QuantizeOptions(packages.Fp32Dir, quantized, QuantizationMode.Int8, Mix: W8A8Rules));

        var recorded = result.Manifest.Layers!.ToDictionary(l => l.Layer, l => l.Format, StringComparer.Ordinal);
        Assert.Equal("w8a8", recorded["layers.0.gate_up"]);
        Assert.Equal("w8a8", recorded["layers.1.down_proj"]);
        Assert.Equal("int8", recorded["layers.1.qkv"]);
        Assert.Equal("w8a8", recorded["vision.1.fc1"]);
        Assert.Equal("int8", recorded["vision.0.fc1"]);
        Assert.Equal("decoder.mlp=w8a8,vision.layers.1=w8a8", result.Manifest.WeightMix);

        foreach (var part in new[] { ModelPartNames.VisionEncoder, ModelPartNames.Decoder })
        {
            using var a = OnnxModelSource.Open(Path.Combine(built, "onnx", part + "_int8.onnx"));
            using var b = OnnxModelSource.Open(Path.Combine(quantized, "onnx", part + "_int8.onnx"));
            var builtNodes = a.Model.Graph.Node.Where(n => n.OpType == "MatMulIntegerToFloat").ToList();
            var quantizedNodes = b.Model.Graph.Node.Where(n => n.OpType == "MatMulIntegerToFloat").ToList();
            Assert.NotEmpty(builtNodes);
            Assert.Equal(builtNodes.Count, quantizedNodes.Count);
            Assert.DoesNotContain(a.Model.Graph.Node, n => n.OpType == "DynamicQuantizeLinear");
            for (var i = 0; i < builtNodes.Count; i++)
            {
                Assert.Equal(TensorProto.Types.DataType.Uint8, InitializerType(a, builtNodes[i].Input[4]));
                Assert.Equal(InitializerBytes.Read(a, builtNodes[i].Input[1]), InitializerBytes.Read(b, quantizedNodes[i].Input[1]));
            }
        }
    }

    [Fact]
    public async Task QuantizeModeW8A8_WritesTheWeightsOfBuildWeightsW8A8_InEveryPart()
    {
        var built = Path.Combine(packages.Scratch, "w8a8-mode-built-" + Guid.NewGuid().ToString("N"));
        var quantized = Path.Combine(packages.Scratch, "w8a8-mode-quantized-" + Guid.NewGuid().ToString("N"));
        var result = await PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, built, WeightFormat.W8A8, Logits: DecoderLogits.AllPositions));
        await PackageQuantizer.QuantizeAsync(new QuantizeOptions(packages.Fp32Dir, quantized, QuantizationMode.W8A8));

        Assert.All(result.Manifest.Layers!, l => Assert.Equal(l.Layer == "embed_tokens" ? "int8" : "w8a8", l.Format));
        Assert.Equal("w8a8", PackageManifest.Read(quantized).Options["mode"]);
        foreach (var part in new[] { ModelPartNames.VisionEncoder, ModelPartNames.Decoder })
        {
            using var a = OnnxModelSource.Open(Path.Combine(built, "onnx", part + "_int8.onnx"));
            using var b = OnnxModelSource.Open(Path.Combine(quantized, "onnx", part + "_int8.onnx"));
            Assert.DoesNotContain(a.Model.Graph.Node, n => n.OpType == "MatMulNBits");
            Assert.DoesNotContain(b.Model.Graph.Node, n => n.OpType == "MatMulNBits");
            var builtNodes = a.Model.Graph.Node.Where(n => n.OpType == "MatMulIntegerToFloat").ToList();
            var quantizedNodes = b.Model.Graph.Node.Where(n => n.OpType == "MatMulIntegerToFloat").ToList();
            Assert.NotEmpty(builtNodes);
            Assert.Equal(builtNodes.Count, quantizedNodes.Count);
            for (var i = 0; i < builtNodes.Count; i++)
                Assert.Equal(InitializerBytes.Read(a, builtNodes[i].Input[1]), InitializerBytes.Read(b, quantizedNodes[i].Input[1]));
        }
    }

    [Fact]
    public async Task Build_WithARuleForALayerTheModelDoesNotHave_FailsBeforeWritingAnything()
    {
        var outDir = Path.Combine(packages.Scratch, "mix-bad-" + Guid.NewGuid().ToString("N"));
        var error = await Assert.ThrowsAsync<QuantizeException>(() => PackageBuilder.BuildAsync(new PackageBuildOptions(packages.CheckpointDir, outDir, Mix: "decoder.layers.2-5=int4")));
        Assert.Contains("the decoder has 2 layers (0-1); layer 5 does not exist", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public async Task QuantizeCli_RefusesMixOutsideMatMulNBitsModes_AndBadRules_WithExitCode1()
    {
        var outDir = Path.Combine(packages.Scratch, "mix-cli-" + Guid.NewGuid().ToString("N"));
        var (code, text) = await CliRunner.RunAsync(console => [QuantizeCommand.Create(console)], "quantize", "--model", packages.Fp32Dir, "--out", outDir, "--mode", "dynamic-int8", "--mix", "decoder=int4");
        Assert.Equal(1, code);
        Assert.Contains("--mix applies to --mode int8, int4 and w8a8", text, StringComparison.Ordinal);

        (code, text) = await CliRunner.RunAsync(console => [QuantizeCommand.Create(console)], "quantize", "--model", packages.Fp32Dir, "--out", outDir, "--mode", "int8", "--mix", "decoder.mlp=int5");
        Assert.Equal(1, code);
        Assert.Contains("--mix rule 'decoder.mlp=int5': format 'int5' is not one of int8, int4, w8a8, fp32", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    /// <summary>Weight name (without ".qweight"/".weight") -> "int8", "int4@1", "fp32" for every linear layer of a graph.</summary>
    private static Dictionary<string, string> LayerFormats(OnnxModelSource source)
    {
        var formats = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in source.Model.Graph.Node)
        {
            if (node.OpType == "MatMulNBits")
            {
                long Attr(string name) => node.Attribute.Single(a => a.Name == name).I;
                var level = Attr("accuracy_level");
                formats[Stem(node.Input[1])] = $"int{Attr("bits")}" + (level == 4 ? "" : $"@{level}");
            }
            else if (node.OpType is "MatMul" or "Gemm" && source.TryGetInitializer(node.Input[1], out _))
            {
                formats[Stem(node.Input[1])] = "fp32";
            }
            else if (node.OpType == "Gather" && source.TryGetInitializer(node.Input[0], out var table) && table.Dims.Count == 2)
            {
                formats["embed_tokens"] = (TensorProto.Types.DataType)table.DataType == TensorProto.Types.DataType.Float ? "fp32" : "int8";
            }
        }

        return formats;
    }

    private static TensorProto.Types.DataType InitializerType(OnnxModelSource source, string name) =>
        source.TryGetInitializer(name, out var tensor) ? (TensorProto.Types.DataType)tensor.DataType : TensorProto.Types.DataType.Undefined;

    private static string Stem(string weight) => weight.Replace(".qweight", "", StringComparison.Ordinal).Replace(".weight", "", StringComparison.Ordinal);
}
