using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Rewriting;
using EdgePali.Quantize.Rewriting.Qdq;
using EdgePali.Quantize.Verification;
using EdgePali.Vision.Packages;
using Onnx;
using Xunit.Abstractions;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Tests.Rewriting.Qdq;

/// <summary>`quantize --mode qdq` on the tiny package: accuracy against fp32, the graph's form, the manifest.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class QdqQuantizerTests(QdqTinyPackages packages, ITestOutputHelper output) : IClassFixture<QdqTinyPackages>
{
    [Fact]
    public async Task Uint16VisionEncoder_CosineVsFp32_IsAtLeast099_OnFramesNotUsedForCalibration_AndUint8IsReportedBesideIt()
    {
        var u16 = await PackageComparer.CompareAsync(new VerifyOptions(packages.Fp32Dir, packages.Uint16Dir, "fp32", "qdq", packages.EvalImagesDir, MaxImages: 4, MaxNewTokens: 4));
        var u8 = await PackageComparer.CompareAsync(new VerifyOptions(packages.Fp32Dir, packages.Uint8Dir, "fp32", "qdq", packages.EvalImagesDir, MaxImages: 4, MaxNewTokens: 4));
        output.WriteLine($"qdq uint16 (int8 per-channel weights): vision cos mean {u16.VisionCosineMean:F5} min {u16.VisionCosineMin:F5}, logits cos {u16.PrefillLogitsCosineMean:F5}, top-1 {u16.Top1Agreement:P2}");
        output.WriteLine($"qdq uint8  (int8 per-tensor weights):  vision cos mean {u8.VisionCosineMean:F5} min {u8.VisionCosineMin:F5}, logits cos {u8.PrefillLogitsCosineMean:F5}, top-1 {u8.Top1Agreement:P2}");
        Assert.True(u16.VisionCosineMean >= 0.99, $"uint16 vision cosine {u16.VisionCosineMean}");
        Assert.True(u8.VisionCosineMean >= 0.9, $"uint8 vision cosine {u8.VisionCosineMean}");
        Assert.True(u8.VisionCosineMean < u16.VisionCosineMean, $"uint8 {u8.VisionCosineMean} vs uint16 {u16.VisionCosineMean}");
        Assert.Equal("qdq", u16.Candidate.Variant);
    }

    [Fact]
    public void VisionGraph_HasFixedShapes_QdqPairsOfTheChosenTypes_AndNoFloatWeights()
    {
        using var graph = OnnxModelSource.Open(Path.Combine(packages.Uint16Dir, "onnx", "vision_encoder_qdq.onnx"));
        var g = graph.Model.Graph;
        var size = packages.Config.Vision.ImageSize;
        Assert.Equal([1L, 3, size, size], g.Input.Single().Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        Assert.Equal(1L, g.Output.Single().Type.TensorType.Shape.Dim[0].DimValue);
        Assert.Equal("image_features", g.Output.Single().Name);

        // Opset 21 graphs use the ONNX-domain 16-bit Q/DQ.
        var quantizeNodes = g.Node.Where(n => n.OpType == "QuantizeLinear").ToList();
        Assert.NotEmpty(quantizeNodes);
        Assert.All(quantizeNodes, n => Assert.Equal("", n.Domain));
        Assert.All(quantizeNodes, n => Assert.Equal(DataType.Uint16, TypeOf(graph, n.Input[2])));

        // Every MatMul and Conv reads its inputs from DequantizeLinear; weights are int8 codes with per-channel scales.
        var producers = g.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        var weighted = 0;
        foreach (var node in g.Node.Where(n => n.OpType is "MatMul" or "Conv" or "Gemm"))
        {
            Assert.All(node.Input.Where(i => i.Length > 0), i => Assert.Equal("DequantizeLinear", producers[i].OpType));
            var weightDq = producers[node.Input[1]];
            if (producers.ContainsKey(weightDq.Input[0]))
                continue; // attention: both operands are activations (Q -> DQ)
            weighted++;
            Assert.Equal(DataType.Int8, TypeOf(graph, weightDq.Input[0]));
            Assert.Contains(weightDq.Attribute, a => a.Name == "axis");
        }

        // Tiny: patch conv + 2 layers x (qkv, out, fc1, fc2) + projector.
        Assert.Equal(10, weighted);

        Assert.DoesNotContain(g.Initializer, t => (DataType)t.DataType == DataType.Float && t.Dims.Count == 2 && t.Dims.Aggregate(1L, (a, b) => a * b) > 64);
        var conv = g.Node.Single(n => n.OpType == "Conv");
        Assert.Equal(DataType.Int32, TypeOf(graph, producers[conv.Input[2]].Input[0]));
    }

    [Fact]
    public void Manifest_RecordsModeOptionsSourcesAndADecisionForEveryVisionNode()
    {
        var manifest = packages.Uint16Result.Manifest;
        Assert.Equal("qdq", manifest.Mode);
        Assert.Equal("qdq", manifest.Variant);
        Assert.Equal("uint16", manifest.Options["activations"]);
        Assert.Equal("int8", manifest.Options["weights"]);
        Assert.Equal("true", manifest.Options["per_channel"]);
        Assert.Equal("minmax", manifest.Options["calibration_method"]);
        Assert.Equal(Path.GetFullPath(packages.CalibrationVideo), manifest.Options["calibration"]);
        Assert.Contains(manifest.SourceFiles, f => f.Path == "onnx/vision_encoder.onnx" && f.Sha256.Length == 64);

        using var source = OnnxModelSource.Open(Path.Combine(packages.Fp32Dir, "onnx", "vision_encoder.onnx"));
        var visionNodes = manifest.Nodes.Where(n => n.Part == "vision_encoder").ToList();
        Assert.Equal(source.Model.Graph.Node.Count, visionNodes.Count);
        // Every standard op is quantised; contrib ops a fused build may emit stay float, saying so.
        Assert.All(visionNodes, n => Assert.True(n.Quantized || n.Detail.StartsWith("contrib op com.microsoft:", StringComparison.Ordinal), $"{n.Node} {n.Detail}"));
        Assert.True(visionNodes.Count(n => n.Quantized) > visionNodes.Count / 2);
        Assert.Contains(visionNodes, n => n.Op == "MatMul" && n.Detail.Contains("int8 per-channel (axis 1) weight", StringComparison.Ordinal));

        // The decoder stays on the CPU: int8 MatMulNBits, as --mode int8 writes it.
        Assert.Contains(manifest.Nodes, n => n.Part == "decoder_model_merged" && n.Quantized && n.Detail.StartsWith("MatMulNBits bits=8", StringComparison.Ordinal));
    }

    [Fact]
    public async Task QdqPackage_PassesTheEnginesChecksumVerification()
    {
        var package = ModelPackage.Open(packages.Uint8Dir, "qdq");
        Assert.Equal("qdq", package.Variant.Name);
        await package.VerifyChecksumsAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Exclude_KeepsMatchingNodesFloat_WithTheReason_AndTheGraphStillRuns()
    {
        var outDir = Path.Combine(packages.Scratch, "qdq-exclude-" + Guid.NewGuid().ToString("N"));
        var result = await PackageQuantizer.QuantizeAsync(new QuantizeOptions(packages.Fp32Dir, outDir, QuantizationMode.Qdq, Exclude: ["n_Softmax*"],
            Qdq: new QdqOptions(packages.EvalImagesDir, CalibrationMethod.Percentile, MaxCalibrationFrames: 4)));
        var softmax = result.Manifest.Nodes.Where(n => n.Part == "vision_encoder" && n.Op == "Softmax").ToList();
        Assert.NotEmpty(softmax);
        Assert.All(softmax, n => Assert.Equal((false, "matches --exclude 'n_Softmax*'"), (n.Quantized, n.Detail)));
        Assert.Equal("percentile", result.Manifest.Options["calibration_method"]);
        Assert.Equal("99.999", result.Manifest.Options["percentile"]);
        var report = await PackageComparer.CompareAsync(new VerifyOptions(packages.Fp32Dir, outDir, "fp32", "qdq", packages.EvalImagesDir, MaxImages: 2, MaxNewTokens: 2));
        Assert.True(report.VisionCosineMean > 0.95, $"vision cosine {report.VisionCosineMean}");
    }

    [Fact]
    public async Task Entropy_ClipsSomeRangesThatMinMaxKeepsWhole()
    {
        var outDir = Path.Combine(packages.Scratch, "qdq-entropy-" + Guid.NewGuid().ToString("N"));
        await PackageQuantizer.QuantizeAsync(new QuantizeOptions(packages.Fp32Dir, outDir, QuantizationMode.Qdq,
            Qdq: new QdqOptions(packages.CalibrationVideo, CalibrationMethod.Entropy, Activations: QuantType.UInt8, MaxCalibrationFrames: 12)));
        var minMax = ActivationScales(packages.Uint8Dir);
        var entropy = ActivationScales(outDir);
        Assert.Equal(minMax.Keys.Order(), entropy.Keys.Order());
        Assert.All(minMax, p => Assert.True(entropy[p.Key] <= p.Value * 1.0001f, $"{p.Key}: entropy {entropy[p.Key]} > minmax {p.Value}"));
        Assert.Contains(minMax, p => entropy[p.Key] < p.Value * 0.9f);
        var report = await PackageComparer.CompareAsync(new VerifyOptions(packages.Fp32Dir, outDir, "fp32", "qdq", packages.EvalImagesDir, MaxImages: 4, MaxNewTokens: 2));
        output.WriteLine($"qdq uint8 entropy: vision cos mean {report.VisionCosineMean:F5} min {report.VisionCosineMin:F5}");
    }

    [Fact]
    public async Task DecoderParts_AreRefused_WithTheReason()
    {
        var error = await Assert.ThrowsAsync<QuantizeException>(() => PackageQuantizer.QuantizeAsync(new QuantizeOptions(
            packages.Fp32Dir, Path.Combine(packages.Scratch, "never"), QuantizationMode.Qdq, Parts: new HashSet<ModelPart> { ModelPart.Decoder },
            Qdq: new QdqOptions(packages.EvalImagesDir))));
        Assert.Contains("KV cache", error.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<QuantizeException>(() => PackageQuantizer.QuantizeAsync(new QuantizeOptions(
            packages.Fp32Dir, Path.Combine(packages.Scratch, "never"), QuantizationMode.Qdq)));
        Assert.Contains("--calibration", missing.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(packages.Scratch, "never")));
    }

    [Fact]
    public async Task TransformersJsRuntime_RunsTheQdqVisionEncoder_AndComputesOurFeatures()
    {
        // transformers.js has no dtype name for _qdq files, so its runtime (onnxruntime-node 1.30) runs the graph directly.
        var size = packages.Config.Vision.ImageSize;
        var pixels = new float[3 * size * size];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = (float)(((i * 37 % 256) / 127.5) - 1);
        var model = Path.Combine(packages.Uint16Dir, "onnx", "vision_encoder_qdq.onnx");
        var input = Path.Combine(packages.Scratch, $"pixels-{Guid.NewGuid():N}.f32");
        await File.WriteAllBytesAsync(input, System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray());

        var node = (await ProcessRunner.RunNodeAsync("run-onnx.mjs", [model, "pixel_values", input, $"1,3,{size},{size}"], TimeSpan.FromMinutes(5)))
            .EnsureSuccess("./test.sh installs tests/conformance/node_modules (npm ci)");
        using var json = System.Text.Json.JsonDocument.Parse(node.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last());
        Assert.Equal("image_features", json.RootElement.GetProperty("name").GetString());
        var theirs = json.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(model);
        using var value = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, size, size]);
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var outputs = session.Run(runOptions, ["pixel_values"], [value], ["image_features"]);
        var ours = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(ours.Length, theirs.Length);
        Assert.True(PackageComparer.Cosine(ours, theirs) > 0.99999, $"cosine {PackageComparer.Cosine(ours, theirs)}");
    }

    /// <summary>Scale of each activation QuantizeLinear, by the tensor it quantises.</summary>
    private static Dictionary<string, float> ActivationScales(string packageDir)
    {
        using var graph = OnnxModelSource.Open(Path.Combine(packageDir, "onnx", "vision_encoder_qdq.onnx"));
        var scales = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var node in graph.Model.Graph.Node.Where(n => n.OpType == "QuantizeLinear"))
        {
            graph.TryGetInitializer(node.Input[1], out var scale);
            var value = new float[1];
            graph.ReadFloats(scale, 0, value);
            scales[node.Output[0]] = value[0];
        }

        return scales;
    }

    private static DataType TypeOf(OnnxModelSource graph, string initializer) =>
        graph.TryGetInitializer(initializer, out var t) ? (DataType)t.DataType : throw new InvalidOperationException($"'{initializer}' is not an initializer.");
}
