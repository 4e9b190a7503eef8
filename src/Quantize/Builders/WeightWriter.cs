using EdgePali.Quantize.Checkpoints;
using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Quantization;
using EdgePali.Vision.Packages;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Builders;

/// <summary>
/// Turns checkpoint weights into graph initializers and the nodes that use them, one tensor (or one chunk of
/// rows) at a time: float32 MatMul/Gemm, or MatMulNBits with block-quantised weights, each layer in the format
/// the <see cref="WeightMix"/> gives its scope (mixed precision). Reports every element it reads to the progress
/// callback, and every linear layer's format to <see cref="Layers"/> for the manifest.
/// </summary>
internal sealed class WeightWriter(OnnxGraph graph, WeightMix mix, int blockSize, Action<long> elementsRead, CancellationToken cancellationToken)
{
    private const int RowsPerChunk = 2048;

    private readonly List<ManifestLayerFormat> _layers = [];

    // Norm outputs -> their per-channel gains, for the smoothing of the w8a8 layers that read them.
    private readonly Dictionary<string, float[]> _inputGains = new(StringComparer.Ordinal);

    public OnnxGraph Graph => graph;

    /// <summary>Every linear layer written so far with the format it got.</summary>
    public IReadOnlyList<ManifestLayerFormat> Layers => _layers;

    /// <summary>y = x · Wᵀ (+ b) for HF Linear weights [N, K]; several weights are fused along N (rows concatenated).</summary>
    public string Linear(string x, string hint, LinearScope scope, IReadOnlyList<CheckpointTensor> weights, IReadOnlyList<CheckpointTensor>? biases = null)
    {
        var y = LinearWithoutBias(x, hint, scope, weights);
        return biases is null ? y : graph.Op("Add", y, Bias(hint, biases));
    }

    /// <summary>y = x · Wᵀ; the bias is left to the caller (fused ops that add it themselves).</summary>
    public string LinearWithoutBias(string x, string hint, LinearScope scope, IReadOnlyList<CheckpointTensor> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var k = (int)weights[0].RowLength;
        var n = weights.Sum(w => (int)w.Shape[0]);
        var format = mix.Resolve(scope);
        _layers.Add(new ManifestLayerFormat(hint, format.ToString()));
        return format switch
        {
            { PerTokenActivations: true } => IntegerLinear(x, hint, weights, k, n),
            { Bits: int b } => QuantizedLinear(x, hint, weights, k, n, b, format.AccuracyLevel),
            _ => FloatLinear(x, hint, weights, k, n),
        };
    }

    /// <summary>Biases of fused weights, concatenated in order, as one float initializer.</summary>
    public string Bias(string hint, IReadOnlyList<CheckpointTensor> biases)
    {
        ArgumentNullException.ThrowIfNull(biases);
        var n = biases.Sum(b => (int)b.ElementCount);
        var bias = new float[n];
        var offset = 0;
        foreach (var t in biases)
        {
            t.Read(0, bias.AsSpan(offset, (int)t.ElementCount));
            offset += (int)t.ElementCount;
            elementsRead(t.ElementCount);
        }

        return graph.Floats(hint + ".bias", [n], bias);
    }

    private string FloatLinear(string x, string hint, IReadOnlyList<CheckpointTensor> weights, int k, int n)
    {
        // MatMul wants B as [K, N]: transpose the HF [N, K] rows once here (a per-layer matrix, at most a few hundred MB).
        var rows = new float[(long)n * k];
        var row = 0;
        foreach (var w in weights)
        {
            cancellationToken.ThrowIfCancellationRequested();
            w.Read(0, rows.AsSpan(row * k, (int)w.ElementCount));
            row += (int)w.Shape[0];
            elementsRead(w.ElementCount);
        }

        var transposed = new float[rows.Length];
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < k; c++)
                transposed[((long)c * n) + r] = rows[((long)r * k) + c];
        }

        var name = graph.Name(hint + ".weight");
        var sink = graph.BeginInitializer(name, DataType.Float, [k, n]);
        sink.Write<float>(transposed);
        sink.Complete();
        return graph.Op("MatMul", x, name);
    }

    private string QuantizedLinear(string x, string hint, IReadOnlyList<CheckpointTensor> weights, int k, int n, int nbits, int accuracyLevel)
    {
        var writer = new MatMulNBitsWriter(graph, hint, nbits, blockSize, k, n, accuracyLevel);
        FeedRows(weights, k, writer.WriteRows);
        return writer.Complete(x);
    }

    /// <summary>
    /// Records that <paramref name="normalized"/> is a norm's output whose gamma (and beta) initializers hold these
    /// values (as <see cref="Constant(CheckpointTensor, out float[], Func{float, float}?)"/> wrote them), so w8a8
    /// layers reading it smooth with its gains (<see cref="ChannelSmoothing.Scales"/>). `quantize` reads the same
    /// values from the norm node.
    /// </summary>
    public void NoteNormGains(string normalized, float[] gamma, float[]? beta = null) =>
        _inputGains[normalized] = ChannelSmoothing.NormGains(gamma, beta);

    /// <summary>w8a8: two passes over the rows, the first for the smoothing scales (column maxima need every row).</summary>
    private string IntegerLinear(string x, string hint, IReadOnlyList<CheckpointTensor> weights, int k, int n)
    {
        var smoothing = new ChannelSmoothing(k);
        FeedRows(weights, k, smoothing.Observe, countProgress: false);
        var gains = _inputGains.GetValueOrDefault(x);
        var writer = new MatMulIntegerWriter(graph, hint, k, n, ActivationQuantization.PerToken, smoothing.Scales(gains));
        FeedRows(weights, k, writer.WriteRows);
        // No shared quantisation cache: each layer quantises its own smoothed input (x · diag(s)).
        return writer.Complete(x, null, []);
    }

    /// <summary>
    /// Reads the rows of <paramref name="weights"/> (concatenated along N) in chunks into <paramref name="write"/>;
    /// a second pass over the same weights passes <paramref name="countProgress"/> false so progress stays exact.
    /// </summary>
    private void FeedRows(IReadOnlyList<CheckpointTensor> weights, int k, RowWriter write, bool countProgress = true)
    {
        var chunk = new float[RowsPerChunk * k];
        foreach (var w in weights)
        {
            var wRows = (int)w.Shape[0];
            for (var first = 0; first < wRows; first += RowsPerChunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(RowsPerChunk, wRows - first);
                w.ReadRows(first, count, chunk);
                write(chunk.AsSpan(0, count * k));
                if (countProgress)
                    elementsRead((long)count * k);
            }
        }
    }

    private delegate void RowWriter(ReadOnlySpan<float> rows);

    /// <summary>logits = x · Eᵀ for the tied [V, D] embedding: Gemm(transB) in float32 so the table streams by rows, or MatMulNBits.</summary>
    public string LmHead(string x, CheckpointTensor table)
    {
        var scope = new LinearScope(LinearPart.LmHead);
        if (!mix.Resolve(scope).IsFloat)
            return Linear(x, "lm_head", scope, [table]);
        _layers.Add(new ManifestLayerFormat("lm_head", LinearFormat.Fp32.ToString()));
        var d = (int)table.RowLength;
        var v = table.Shape[0];
        var name = graph.Name("lm_head.weight");
        var sink = graph.BeginInitializer(name, DataType.Float, [v, d]);
        StreamRows(table, rows => sink.Write<float>(rows));
        sink.Complete();
        var flat = graph.Op("Reshape", x, graph.Int64s("shape_flat", -1, d));
        var logits = graph.Op("Gemm", [flat, name], OnnxGraph.Attr("transB", 1L));
        var shape = graph.Op("Shape", x);
        var leading = graph.Op("Slice", shape, graph.Int64s("start0", 0), graph.Int64s("end2", 2));
        var outShape = graph.Op("Concat", [leading, graph.Int64s("vocab", v)], OnnxGraph.Attr("axis", 0L));
        return graph.Op("Reshape", logits, outShape);
    }

    /// <summary>Reads a tensor in chunks of rows, handing each chunk to <paramref name="consume"/>.</summary>
    public void StreamRows(CheckpointTensor tensor, Action<ReadOnlySpan<float>> consume)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var rowLength = (int)tensor.RowLength;
        var chunk = new float[RowsPerChunk * rowLength];
        for (long first = 0; first < tensor.Shape[0]; first += RowsPerChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = (int)Math.Min(RowsPerChunk, tensor.Shape[0] - first);
            tensor.ReadRows(first, count, chunk);
            consume(chunk.AsSpan(0, count * rowLength));
            elementsRead((long)count * rowLength);
        }
    }

    /// <summary>A small tensor read whole into a float initializer (norm weights, biases, position embeddings, conv kernels).</summary>
    public string Constant(CheckpointTensor tensor, Func<float, float>? transform = null) => Constant(tensor, out _, transform);

    /// <summary>As <see cref="Constant(CheckpointTensor, Func{float, float}?)"/>, handing back the values written.</summary>
    public string Constant(CheckpointTensor tensor, out float[] values, Func<float, float>? transform = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        values = tensor.ReadAll();
        elementsRead(values.Length);
        if (transform is not null)
        {
            for (var i = 0; i < values.Length; i++)
                values[i] = transform(values[i]);
        }

        return graph.Floats(tensor.Name, [.. tensor.Shape], values);
    }
}
