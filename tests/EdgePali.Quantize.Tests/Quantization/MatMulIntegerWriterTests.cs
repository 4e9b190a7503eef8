using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Quantization;
using Microsoft.ML.OnnxRuntime;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Tests.Quantization;

/// <summary>
/// The w8a8 linear layer (MatMulInteger, activations int8 per token, weights int8 per channel with input-channel
/// smoothing) run in ONNX Runtime against the float product: close to it, each token's result independent of the
/// other tokens, exact zeros for a zero token, and the smoothing lowering the error that outlier weight columns cause.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class MatMulIntegerWriterTests : IDisposable
{
    private const int K = 256;
    private const int N = 64;
    private const int Tokens = 6;

    private readonly string _dir = Directory.CreateTempSubdirectory("edgepali-w8a8-").FullName;

    [Fact]
    public void PerToken_IsCloseToTheFloatProduct()
    {
        var (x, w) = Inputs(outlierGain: 6f);
        var y = Run(Build("smoothed", w, smooth: true), x);
        var reference = FloatProduct(x, w);
        for (var t = 0; t < Tokens; t++)
            Assert.True(RowError(y, reference, t) < 0.02, $"token {t}: relative error {RowError(y, reference, t):F4}");
    }

    [Fact]
    public void PerToken_OneLoudToken_LeavesTheOthersBitIdentical()
    {
        // A per-tensor scale would stretch with token 0 and coarsen every other token; per-token scales do not.
        var (x, w) = Inputs(outlierGain: 6f);
        var path = Build("isolation", w, smooth: true);
        var quiet = Run(path, x);
        for (var k = 0; k < K; k++)
            x[k] *= 1000f;
        var loud = Run(path, x);
        Assert.Equal(quiet.AsSpan(N), loud.AsSpan(N));
    }

    [Fact]
    public void PerToken_ZeroToken_GivesZeros()
    {
        var (x, w) = Inputs(outlierGain: 6f);
        Array.Clear(x, K, K);
        var y = Run(Build("zero", w, smooth: true), x);
        Assert.All(y.AsSpan(N, N).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Smoothing_LowersTheErrorOfOutlierWeightColumns()
    {
        var (x, w) = Inputs(outlierGain: 6f);
        var reference = FloatProduct(x, w);
        var smoothedError = MeanError(Run(Build("with", w, smooth: true), x), reference);
        var plainError = MeanError(Run(Build("without", w, smooth: false), x), reference);
        Assert.True(smoothedError < 0.8 * plainError, $"smoothed error {smoothedError:F4} vs plain {plainError:F4}");
    }

    [Fact]
    public void NormGains_LowerTheErrorOfActivationOutlierChannels()
    {
        // A norm whose gamma is 30 on every 32nd channel: those activation channels stretch every token's scale,
        // which weight statistics cannot see. Smoothing with the gains moves half of that range into the weights.
        var (x, w) = Inputs(outlierGain: 1f);
        var gamma = Enumerable.Range(0, K).Select(k => k % 32 == 5 ? 30f : 1f).ToArray();
        for (var i = 0; i < x.Length; i++)
            x[i] *= gamma[i % K];
        var reference = FloatProduct(x, w);
        var gainsError = MeanError(Run(Build("gains", w, smooth: true, gamma), x), reference);
        var weightsOnlyError = MeanError(Run(Build("weights-only", w, smooth: true), x), reference);
        Assert.True(gainsError < 0.7 * weightsOnlyError, $"with gains {gainsError:F4} vs weights only {weightsOnlyError:F4}");
    }

    [Fact]
    public void ChannelSmoothing_WithGains_DividesByTheSquareRootOfTheRelativeGain()
    {
        var smoothing = new ChannelSmoothing(4);
        smoothing.Observe([1f, -1f, 1f, 1f]);
        var scales = smoothing.Scales([1f, 16f, -1f, 1f]);
        Assert.Equal(1f, scales[0], 1e-6f);
        Assert.Equal(0.25f, scales[1], 1e-6f);
        Assert.Equal(1f, scales[2], 1e-6f);
        Assert.Throws<ArgumentException>(() => smoothing.Scales([1f, 2f]));
    }

    [Fact]
    public void ChannelSmoothing_GivesTypicalColumnsAboutOne_AndOutliersTheSquareRootOfTheirGain()
    {
        var smoothing = new ChannelSmoothing(4);
        smoothing.Observe([1f, -1f, 6f, 0.9f, -0.5f, 1f, -2f, 1f]);
        var scales = smoothing.Scales();
        Assert.Equal(1f, scales[0], 1e-6f);
        Assert.Equal(1f, scales[1], 1e-6f);
        Assert.Equal(MathF.Sqrt(6f), scales[2], 1e-5f);
        Assert.Equal(1f, scales[3], 1e-6f);
    }

    /// <summary>Laplace-like weights [N, K] with every 64th input column amplified (as the test checkpoints have), and random tokens.</summary>
    private static (float[] X, float[] W) Inputs(float outlierGain)
    {
        var random = new Random(5);
        var w = new float[N * K];
        for (var i = 0; i < w.Length; i++)
        {
            var u = random.NextDouble() - 0.5;
            w[i] = (float)(-Math.Sign(u) * Math.Log(1 - (2 * Math.Abs(u))) * 0.05) * (i % K % 64 == 3 ? outlierGain : 1f);
        }

        var x = new float[Tokens * K];
        for (var i = 0; i < x.Length; i++)
            x[i] = (float)((random.NextDouble() * 2) - 1);
        return (x, w);
    }

    private string Build(string name, float[] w, bool smooth, float[]? gains = null)
    {
        var path = Path.Combine(_dir, name + ".onnx");
        using var g = new OnnxGraph(path, name);
        var x = g.Input("x", DataType.Float, 1, "tokens", K);
        float[]? scales = null;
        if (smooth)
        {
            var smoothing = new ChannelSmoothing(K);
            smoothing.Observe(w);
            scales = smoothing.Scales(gains);
        }

        var writer = new MatMulIntegerWriter(g, "w", K, N, ActivationQuantization.PerToken, scales);
        writer.WriteRows(w.AsSpan(0, N / 2 * K));
        writer.WriteRows(w.AsSpan(N / 2 * K));
        g.Output(writer.Complete(x, null, []), "y", DataType.Float, 1, "tokens", N);
        g.Save();
        return path;
    }

    private static float[] Run(string path, float[] x)
    {
        using var session = new InferenceSession(path);
        using var value = OrtValue.CreateTensorValueFromMemory(x, [1, Tokens, K]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [value], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static double[] FloatProduct(float[] x, float[] w)
    {
        var y = new double[Tokens * N];
        for (var t = 0; t < Tokens; t++)
        {
            for (var n = 0; n < N; n++)
            {
                double sum = 0;
                for (var k = 0; k < K; k++)
                    sum += x[(t * K) + k] * (double)w[(n * K) + k];
                y[(t * N) + n] = sum;
            }
        }

        return y;
    }

    /// <summary>The mean over tokens of <see cref="RowError"/>.</summary>
    private static double MeanError(float[] y, double[] reference) =>
        Enumerable.Range(0, Tokens).Average(t => RowError(y, reference, t));

    /// <summary>‖y - ref‖ / ‖ref‖ over one token's outputs.</summary>
    private static double RowError(float[] y, double[] reference, int token)
    {
        double diff = 0, norm = 0;
        for (var n = 0; n < N; n++)
        {
            var r = reference[(token * N) + n];
            diff += (y[(token * N) + n] - r) * (y[(token * N) + n] - r);
            norm += r * r;
        }

        return Math.Sqrt(diff / norm);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
