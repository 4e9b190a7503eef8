using EdgePali.Quantize.Checkpoints;
using EdgePali.Vision.Packages;
using static EdgePali.Quantize.Checkpoints.PaliGemmaTensorNames;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>
/// A plain, naive PaliGemma forward pass in double precision, written from the model definitions (HF
/// modeling_siglip / modeling_gemma / modeling_gemma2 / modeling_paligemma) loop by loop, independent of the graph
/// builders. Test-only: the built fp32 graphs must reproduce its logits.
/// </summary>
internal sealed class ReferencePaliGemma
{
    private readonly Checkpoint _checkpoint;
    private readonly TextConfig _text;
    private readonly VisionConfig _vision;
    private readonly Dictionary<string, double[]> _weights = new(StringComparer.Ordinal);

    public ReferencePaliGemma(Checkpoint checkpoint)
    {
        _checkpoint = checkpoint;
        _text = checkpoint.Config.Text;
        _vision = checkpoint.Config.Vision;
    }

    private double[] W(string name)
    {
        if (!_weights.TryGetValue(name, out var w))
        {
            w = _checkpoint.Tensor(name).ReadAll().Select(v => (double)v).ToArray();
            _weights[name] = w;
        }

        return w;
    }

    // ---------------- vision tower + projector ----------------

    /// <summary>Image features [N, D] for pixels [3, S, S], divided by sqrt(D) as HF get_image_features does.</summary>
    public double[][] ImageFeatures(float[] pixels)
    {
        int s = _vision.ImageSize, p = _vision.PatchSize, g = _vision.PatchesPerSide, dv = _vision.HiddenSize;
        var conv = W(PatchEmbeddingWeight);
        var convBias = W(PatchEmbeddingBias);
        var positions = W(PositionEmbedding);
        var h = new double[_vision.ImageTokenCount][];
        for (var py = 0; py < g; py++)
        {
            for (var px = 0; px < g; px++)
            {
                var row = new double[dv];
                for (var c = 0; c < dv; c++)
                {
                    var sum = convBias[c];
                    for (var ci = 0; ci < 3; ci++)
                    {
                        for (var ky = 0; ky < p; ky++)
                        {
                            for (var kx = 0; kx < p; kx++)
                                sum += conv[(((c * 3) + ci) * p + ky) * p + kx] * pixels[(ci * s + (py * p) + ky) * s + (px * p) + kx];
                        }
                    }

                    row[c] = sum + positions[((py * g) + px) * dv + c];
                }

                h[(py * g) + px] = row;
            }
        }

        for (var layer = 0; layer < _vision.LayerCount; layer++)
        {
            string L(string suffix) => VisionLayer(layer, suffix);
            var n = h.Select(x => LayerNorm(x, W(L("layer_norm1.weight")), W(L("layer_norm1.bias")), _vision.LayerNormEps)).ToArray();
            var q = n.Select(x => Linear(x, W(L("self_attn.q_proj.weight")), W(L("self_attn.q_proj.bias")))).ToArray();
            var k = n.Select(x => Linear(x, W(L("self_attn.k_proj.weight")), W(L("self_attn.k_proj.bias")))).ToArray();
            var v = n.Select(x => Linear(x, W(L("self_attn.v_proj.weight")), W(L("self_attn.v_proj.bias")))).ToArray();
            var context = new double[h.Length][];
            for (var i = 0; i < h.Length; i++)
                context[i] = new double[dv];
            var hd = _vision.HeadDim;
            for (var head = 0; head < _vision.AttentionHeads; head++)
            {
                for (var i = 0; i < h.Length; i++)
                {
                    var scores = new double[h.Length];
                    for (var j = 0; j < h.Length; j++)
                        scores[j] = Dot(q[i], head * hd, k[j], head * hd, hd) / Math.Sqrt(hd);
                    var probs = Softmax(scores);
                    for (var j = 0; j < h.Length; j++)
                    {
                        for (var e = 0; e < hd; e++)
                            context[i][(head * hd) + e] += probs[j] * v[j][(head * hd) + e];
                    }
                }
            }

            for (var i = 0; i < h.Length; i++)
            {
                h[i] = Add(h[i], Linear(context[i], W(L("self_attn.out_proj.weight")), W(L("self_attn.out_proj.bias"))));
                var m = LayerNorm(h[i], W(L("layer_norm2.weight")), W(L("layer_norm2.bias")), _vision.LayerNormEps);
                var up = Linear(m, W(L("mlp.fc1.weight")), W(L("mlp.fc1.bias"))).Select(GeluTanh).ToArray();
                h[i] = Add(h[i], Linear(up, W(L("mlp.fc2.weight")), W(L("mlp.fc2.bias"))));
            }
        }

        return h.Select(x =>
        {
            var normed = LayerNorm(x, W(PostLayerNormWeight), W(PostLayerNormBias), _vision.LayerNormEps);
            return Linear(normed, W(ProjectorWeight), W(ProjectorBias)).Select(f => f / Math.Sqrt(_text.HiddenSize)).ToArray();
        }).ToArray();
    }

    // ---------------- decoder ----------------

    public double[] Embedding(long id)
    {
        var d = _text.HiddenSize;
        var row = new float[d];
        _checkpoint.Tensor(EmbedTokens).ReadRows(id, 1, row);
        return row.Select(v => (double)v).ToArray();
    }

    /// <summary>The KV cache: per layer, per position, the K and V rows [kv * head_dim] after RoPE.</summary>
    public sealed class Cache(int layers)
    {
        public List<double[]>[] Keys { get; } = Enumerable.Range(0, layers).Select(_ => new List<double[]>()).ToArray();

        public List<double[]>[] Values { get; } = Enumerable.Range(0, layers).Select(_ => new List<double[]>()).ToArray();
    }

    /// <summary>
    /// Runs the decoder on new input embeddings (unscaled) at the given positions; every new token attends to the
    /// whole cache plus all new tokens (prefix-LM prefill, or one decode step). Returns logits [T][V].
    /// </summary>
    public double[][] Decode(double[][] inputsEmbeds, long[] positions, Cache cache)
    {
        int d = _text.HiddenSize, hd = _text.HeadDim, groups = _text.AttentionHeads / _text.KeyValueHeads;
        var h = inputsEmbeds.Select(x => x.Select(v => v * Math.Sqrt(d)).ToArray()).ToArray();
        for (var layer = 0; layer < _text.LayerCount; layer++)
        {
            string L(string suffix) => TextLayer(layer, suffix);
            var n = h.Select(x => RmsNorm(x, W(L("input_layernorm.weight")))).ToArray();
            for (var t = 0; t < h.Length; t++)
            {
                cache.Keys[layer].Add(Rotate(Linear(n[t], W(L("self_attn.k_proj.weight")), null), positions[t], _text.KeyValueHeads));
                cache.Values[layer].Add(Linear(n[t], W(L("self_attn.v_proj.weight")), null));
            }

            for (var t = 0; t < h.Length; t++)
            {
                var q = Rotate(Linear(n[t], W(L("self_attn.q_proj.weight")), null), positions[t], _text.AttentionHeads);
                var context = new double[_text.AttentionHeads * hd];
                for (var head = 0; head < _text.AttentionHeads; head++)
                {
                    var kvHead = head / groups;
                    var keys = cache.Keys[layer];
                    var scores = new double[keys.Count];
                    for (var j = 0; j < keys.Count; j++)
                    {
                        var score = Dot(q, head * hd, keys[j], kvHead * hd, hd) * _text.QueryScale;
                        scores[j] = _text.AttnLogitSoftcap is float cap ? Math.Tanh(score / cap) * cap : score;
                    }

                    var probs = Softmax(scores);
                    for (var j = 0; j < keys.Count; j++)
                    {
                        for (var e = 0; e < hd; e++)
                            context[(head * hd) + e] += probs[j] * cache.Values[layer][j][(kvHead * hd) + e];
                    }
                }

                var attn = Linear(context, W(L("self_attn.o_proj.weight")), null);
                double[] mlpIn;
                if (_text.IsGemma2)
                {
                    h[t] = Add(h[t], RmsNorm(attn, W(L("post_attention_layernorm.weight"))));
                    mlpIn = RmsNorm(h[t], W(L("pre_feedforward_layernorm.weight")));
                }
                else
                {
                    h[t] = Add(h[t], attn);
                    mlpIn = RmsNorm(h[t], W(L("post_attention_layernorm.weight")));
                }

                var gate = Linear(mlpIn, W(L("mlp.gate_proj.weight")), null);
                var up = Linear(mlpIn, W(L("mlp.up_proj.weight")), null);
                var mlp = Linear(gate.Select((g, i) => GeluTanh(g) * up[i]).ToArray(), W(L("mlp.down_proj.weight")), null);
                if (_text.IsGemma2)
                    mlp = RmsNorm(mlp, W(L("post_feedforward_layernorm.weight")));
                h[t] = Add(h[t], mlp);
            }
        }

        var table = _checkpoint.Tensor(EmbedTokens);
        var logits = h.Select(_ => new double[_text.VocabSize]).ToArray();
        var finals = h.Select(x => RmsNorm(x, W(FinalNorm))).ToArray();
        var rows = new float[4096 * d];
        for (var first = 0; first < _text.VocabSize; first += 4096)
        {
            var count = Math.Min(4096, _text.VocabSize - first);
            table.ReadRows(first, count, rows);
            for (var t = 0; t < h.Length; t++)
            {
                for (var r = 0; r < count; r++)
                {
                    var sum = 0.0;
                    for (var e = 0; e < d; e++)
                        sum += finals[t][e] * rows[(r * d) + e];
                    logits[t][first + r] = _text.FinalLogitSoftcap is float cap ? Math.Tanh(sum / cap) * cap : sum;
                }
            }
        }

        return logits;
    }

    /// <summary>Rotate-half RoPE on each head of x [heads * head_dim] at a position.</summary>
    private double[] Rotate(double[] x, long position, int heads)
    {
        var hd = _text.HeadDim;
        var half = hd / 2;
        var result = new double[x.Length];
        for (var head = 0; head < heads; head++)
        {
            for (var i = 0; i < half; i++)
            {
                var angle = position / Math.Pow(_text.RopeTheta, 2.0 * i / hd);
                double x1 = x[(head * hd) + i], x2 = x[(head * hd) + half + i];
                result[(head * hd) + i] = (x1 * Math.Cos(angle)) - (x2 * Math.Sin(angle));
                result[(head * hd) + half + i] = (x2 * Math.Cos(angle)) + (x1 * Math.Sin(angle));
            }
        }

        return result;
    }

    // ---------------- primitives ----------------

    private double[] RmsNorm(double[] x, double[] w)
    {
        var meanSquare = x.Sum(v => v * v) / x.Length;
        var inv = 1 / Math.Sqrt(meanSquare + _text.RmsNormEps);
        return x.Select((v, i) => v * inv * (1 + w[i])).ToArray();
    }

    private static double[] LayerNorm(double[] x, double[] w, double[] b, double eps)
    {
        var mean = x.Average();
        var variance = x.Sum(v => (v - mean) * (v - mean)) / x.Length;
        return x.Select((v, i) => ((v - mean) / Math.Sqrt(variance + eps) * w[i]) + b[i]).ToArray();
    }

    /// <summary>y = W x + b for an HF Linear weight [N, K] stored row-major.</summary>
    private static double[] Linear(double[] x, double[] w, double[]? b)
    {
        var n = w.Length / x.Length;
        var y = new double[n];
        for (var r = 0; r < n; r++)
            y[r] = Dot(w, r * x.Length, x, 0, x.Length) + (b?[r] ?? 0);
        return y;
    }

    private static double Dot(double[] a, int aOffset, double[] b, int bOffset, int length)
    {
        var sum = 0.0;
        for (var i = 0; i < length; i++)
            sum += a[aOffset + i] * b[bOffset + i];
        return sum;
    }

    private static double[] Add(double[] a, double[] b) => a.Select((v, i) => v + b[i]).ToArray();

    private static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x))));

    private static double[] Softmax(double[] scores)
    {
        var max = scores.Max();
        var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }
}
