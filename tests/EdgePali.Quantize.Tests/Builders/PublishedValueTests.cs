using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Onnx;
using Microsoft.ML.OnnxRuntime;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Tests.Builders;

/// <summary>
/// The graph fragments the decoder is built from (RMSNorm with Gemma's 1 + w, rotate-half RoPE) run in ONNX
/// Runtime on the inputs of google-deepmind/gemma's unit tests and give their published outputs.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class PublishedValueTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgepali-published-").FullName;

    [Fact]
    public void RmsNorm_WithZeroWeight_MatchesGemmaPublishedValues()
    {
        var path = Path.Combine(_dir, "rmsnorm.onnx");
        using (var g = new OnnxGraph(path, "rmsnorm"))
        {
            var x = g.Input("x", DataType.Float, 1, 2);
            // The decoder folds Gemma's (1 + w) into the gamma it hands SimplifiedLayerNormalization; w = 0 here.
            float[] w = [0f, 0f];
            var gamma = g.Floats("gamma", [2], w.Select(v => 1f + v).ToArray());
            g.Output(TransformerOps.RmsNorm(g, x, gamma, 1e-6f), "y", DataType.Float, 1, 2);
            g.Save();
        }

        var y = Run(path, ("x", [0.1f, 0.2f], [1, 2]));
        Assert.Equal(0.6324429f, y[0], 1e-6f);
        Assert.Equal(1.2648858f, y[1], 1e-6f);
    }

    [Fact]
    public void Rope_OfAllOnesAtPositionOne_MatchesGemmaPublishedValues()
    {
        var path = Path.Combine(_dir, "rope.onnx");
        using (var g = new OnnxGraph(path, "rope"))
        {
            // gemma's test input is [batch 2, seq 1, heads 2, dim 4]; the decoder's layout is [batch, heads, seq, dim].
            var x = g.Input("x", DataType.Float, 2, 2, 1, 4);
            var positions = g.Input("position_ids", DataType.Int64, 2, 1);
            var (cos, sin) = TransformerOps.RotaryTables(g, positions, 4, 100f);
            g.Output(TransformerOps.ApplyRotary(g, x, cos, sin), "y", DataType.Float, 2, 2, 1, 4);
            g.Save();
        }

        var y = RunWithPositions(path, Enumerable.Repeat(1f, 16).ToArray(), [1L, 1L]);
        float[] expected = [-0.30116868f, 0.89517075f, 1.3817732f, 1.0948375f];
        for (var i = 0; i < y.Length; i++)
            Assert.Equal(expected[i % 4], y[i], 1e-6f);
    }

    private static float[] Run(string path, (string Name, float[] Data, long[] Shape) input)
    {
        using var session = new InferenceSession(path);
        using var value = OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [input.Name], [value], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static float[] RunWithPositions(string path, float[] x, long[] positions)
    {
        using var session = new InferenceSession(path);
        using var xValue = OrtValue.CreateTensorValueFromMemory(x, [2, 2, 1, 4]);
        using var positionValue = OrtValue.CreateTensorValueFromMemory(positions, [2, 1]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x", "position_ids"], [xValue, positionValue], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
