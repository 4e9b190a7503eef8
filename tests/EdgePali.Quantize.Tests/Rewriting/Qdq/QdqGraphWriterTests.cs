using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Rewriting.Qdq;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Tests.Rewriting.Qdq;

/// <summary>
/// QDQ on a graph unlike the builder's: opset 17 (16-bit Q/DQ must come from com.microsoft), a contrib op and a
/// shape op among quantisable ones. Run by ONNX Runtime against the float graph.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class QdqGraphWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgepali-qdq-graph-" + Guid.NewGuid().ToString("N"));

    public QdqGraphWriterTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public void Opset17Graph_Uint16_UsesComMicrosoftQdq_KeepsTheContribOpFloat_FixesShapes_AndMatchesTheFloatGraph()
    {
        var floatPath = WriteFloatModel();
        var random = new Random(3);
        float[] Sample() => Enumerable.Range(0, 8).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        var calibration = Enumerable.Range(0, 256).Select(_ => (IReadOnlyList<CalibrationInput>)[new CalibrationInput("x", Sample(), [1, 8])]).ToList();
        var qdqPath = Path.Combine(_dir, "qdq.onnx");
        List<EdgePali.Vision.Packages.ManifestNodeDecision> decisions;
        using (var source = OnnxModelSource.Open(floatPath))
        {
            decisions = QdqPartQuantizer.Quantize(source, "test", new QdqOptions("unused", PerChannel: true), [], calibration, qdqPath, _ => { }, _ => { }, CancellationToken.None);
        }

        Assert.Contains(decisions, d => d.Op == "FastGelu" && !d.Quantized && d.Detail.Contains("contrib op com.microsoft:FastGelu", StringComparison.Ordinal));
        Assert.Contains(decisions, d => d.Op == "Shape" && !d.Quantized);
        Assert.Equal(4, decisions.Count(d => d.Quantized)); // MatMul, Add, MatMul and the Identity naming the output

        using (var written = OnnxModelSource.Open(qdqPath))
        {
            var g = written.Model.Graph;
            Assert.All(g.Node.Where(n => n.OpType is "QuantizeLinear" or "DequantizeLinear" && !IsInt8Weight(written, n)), n => Assert.Equal("com.microsoft", n.Domain));
            Assert.Equal([1L, 8], g.Input[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        }

        using var reference = new InferenceSession(floatPath);
        using var candidate = new InferenceSession(qdqPath);
        for (var n = 0; n < 8; n++)
        {
            var x = Sample();
            var expected = Run(reference, x);
            var actual = Run(candidate, x);
            Assert.True(Verification.PackageComparer.Cosine(expected, actual) > 0.999, $"sample {n}: [{string.Join(", ", expected)}] vs [{string.Join(", ", actual)}]");
        }
    }

    /// <summary>Per-channel int8 weights: 8-bit Q/DQ with an axis are in the ONNX domain from opset 13.</summary>
    private static bool IsInt8Weight(OnnxModelSource graph, NodeProto node) =>
        node.OpType == "DequantizeLinear" && graph.TryGetInitializer(node.Input[0], out var t) && (DataType)t.DataType == DataType.Int8;

    private static float[] Run(InferenceSession session, float[] x)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(x, [1, 8]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [input], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private string WriteFloatModel()
    {
        var path = Path.Combine(_dir, "float.onnx");
        var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "test" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        using var g = new OnnxGraph(path, model);
        var random = new Random(9);
        float[] Weights(int count) => Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() - 0.5) / 2)).ToArray();
        var x = g.Input("x", DataType.Float, "batch", "features"); // symbolic: the QDQ graph gets the calibration shape
        var h = g.Op("Add", g.Op("MatMul", x, g.Floats("w1", [8, 16], Weights(128))), g.Floats("b1", [16], Weights(16)));
        var gelu = g.Node("FastGelu", [h], null, OnnxGraph.MicrosoftDomain);
        var y = g.Op("MatMul", gelu, g.Floats("w2", [16, 4], Weights(64)));
        g.Output(y, "y", DataType.Float, "batch", 4);
        g.Output(g.Op("Shape", x), "x_shape", DataType.Int64, 2);
        g.Save();
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
