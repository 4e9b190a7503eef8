using EdgePali.Quantize.Checkpoints;
using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Quantization;
using EdgePali.Vision.Packages;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Builders;

/// <summary>
/// decoder_model_merged: inputs_embeds [B, T, D], position_ids int64 [B, T] (1-indexed, as HF/transformers.js),
/// past_key_values.{i}.key/.value [B, kv, P, head_dim] -> logits [B, 1, V] (last position, the default) or [B, T, V]
/// (<see cref="DecoderLogits.AllPositions"/>), present.{i}.key/.value [B, kv, P+T, head_dim].
/// No attention mask: a prefill attends over the whole prompt (PaliGemma's prefix-LM), and a one-token decode step
/// attends over the whole cache, so neither needs one. Grouped queries are reshaped to [B, kv, groups*T, head_dim]
/// so K and V are never repeated per head. Logits of the padded rows (ids >= 257152) are left for the engine to mask.
/// Gemma 2 adds attention/final soft-capping, post-attention and post-MLP norms and query_pre_attn_scalar. Its
/// sliding window (4096) is not applied: it only differs from full attention past 4096 tokens.
/// <see cref="GraphLayout.Fused"/> writes the same computation with ORT's fused contrib ops (same inputs/outputs).
/// </summary>
internal static class DecoderBuilder
{
    /// <summary>
    /// Rows of the fused graph's rotary cos/sin tables: Gemma's max_position_embeddings (8192), beyond the longest
    /// PaliGemma prompt (896 px: 4096 image tokens + text) plus its answer.
    /// </summary>
    internal const int RotaryCacheRows = 8192;

    public static void Build(WeightWriter w, Checkpoint checkpoint, DecoderLogits logitsPositions, GraphLayout layout = GraphLayout.Standard)
    {
        var g = w.Graph;
        var t = checkpoint.Config.Text;
        var d = t.HiddenSize;
        var hd = t.HeadDim;
        var inputsEmbeds = g.Input(GraphTensorNames.InputsEmbeds, DataType.Float, "batch_size", "sequence_length", d);
        var positionIds = g.Input(GraphTensorNames.PositionIds, DataType.Int64, "batch_size", "sequence_length");
        for (var i = 0; i < t.LayerCount; i++)
        {
            g.Input(GraphTensorNames.PastKey(i), DataType.Float, "batch_size", t.KeyValueHeads, "past_sequence_length", hd);
            g.Input(GraphTensorNames.PastValue(i), DataType.Float, "batch_size", t.KeyValueHeads, "past_sequence_length", hd);
        }

        var h = g.Op("Mul", inputsEmbeds, g.Scalar("sqrt_hidden", MathF.Sqrt(d)));
        var lastOnly = logitsPositions == DecoderLogits.LastPosition;
        h = layout == GraphLayout.Fused
            ? FusedLayers(w, checkpoint, h, inputsEmbeds, lastOnly)
            : StandardLayers(w, checkpoint, h, positionIds, lastOnly);

        var head = checkpoint.Contains(PaliGemmaTensorNames.LmHead)
            ? checkpoint.Tensor(PaliGemmaTensorNames.LmHead, t.VocabSize, d)
            : checkpoint.Tensor(PaliGemmaTensorNames.EmbedTokens, t.VocabSize, d);
        var logits = w.LmHead(h, head);
        if (t.FinalLogitSoftcap is float finalCap)
            logits = TransformerOps.SoftCap(g, logits, finalCap);
        g.Output(logits, GraphTensorNames.Logits, DataType.Float, "batch_size", lastOnly ? (object)1 : "sequence_length", t.VocabSize);
        for (var i = 0; i < t.LayerCount; i++)
        {
            g.Output(GraphTensorNames.PresentKey(i), GraphTensorNames.PresentKey(i), DataType.Float, "batch_size", t.KeyValueHeads, "total_sequence_length", hd);
            g.Output(GraphTensorNames.PresentValue(i), GraphTensorNames.PresentValue(i), DataType.Float, "batch_size", t.KeyValueHeads, "total_sequence_length", hd);
        }
    }

    private static LinearScope Attention(int layer) => new(LinearPart.Decoder, layer, LinearKind.Attention);

    private static LinearScope Mlp(int layer) => new(LinearPart.Decoder, layer, LinearKind.Mlp);

    /// <summary>The decoder blocks and final norm with standard ops; returns the normalised hidden state for the LM head.</summary>
    private static string StandardLayers(WeightWriter w, Checkpoint checkpoint, string h, string positionIds, bool lastOnly)
    {
        var g = w.Graph;
        var t = checkpoint.Config.Text;
        var (d, hd) = (t.HiddenSize, t.HeadDim);
        var (cos, sin) = TransformerOps.RotaryTables(g, positionIds, hd, t.RopeTheta);
        var queryScale = g.Scalar("query_scale", t.QueryScale);
        string Norm(string x, CheckpointTensor weight)
        {
            var normalized = TransformerOps.RmsNorm(g, x, w.Constant(weight, out var gamma, v => 1f + v), t.RmsNormEps);
            w.NoteNormGains(normalized, gamma);
            return normalized;
        }

        for (var i = 0; i < t.LayerCount; i++)
        {
            CheckpointTensor T(string suffix, params long[] shape) => checkpoint.Tensor(PaliGemmaTensorNames.TextLayer(i, suffix), shape);
            var n = Norm(h, T("input_layernorm.weight", d));
            var qkv = w.Linear(n, $"layers.{i}.qkv", Attention(i), QkvWeights(checkpoint, i));
            var (q, k, v) = (g.Name("q"), g.Name("k"), g.Name("v"));
            g.NodeMulti("Split", [qkv, g.Int64s("split_qkv", (long)t.AttentionHeads * hd, (long)t.KeyValueHeads * hd, (long)t.KeyValueHeads * hd)], [q, k, v], "", OnnxGraph.Attr("axis", -1L));
            var qh = g.Op("Mul", TransformerOps.ApplyRotary(g, TransformerOps.SplitHeads(g, q, t.AttentionHeads, hd), cos, sin), queryScale);
            var kh = TransformerOps.ApplyRotary(g, TransformerOps.SplitHeads(g, k, t.KeyValueHeads, hd), cos, sin);
            var vh = TransformerOps.SplitHeads(g, v, t.KeyValueHeads, hd);
            if (lastOnly && i == t.LayerCount - 1)
            {
                // Last layer: every position still writes its K/V to the cache, but only the last position's output
                // reaches the LM head, so the query, residual and everything after attention shrink to one row.
                qh = LastPosition(g, qh, axis: 2);
                h = LastPosition(g, h);
            }

            var keys = g.Node("Concat", [GraphTensorNames.PastKey(i), kh], GraphTensorNames.PresentKey(i), "", OnnxGraph.Attr("axis", 2L));
            var values = g.Node("Concat", [GraphTensorNames.PastValue(i), vh], GraphTensorNames.PresentValue(i), "", OnnxGraph.Attr("axis", 2L));

            // Query heads h*groups..h*groups+groups-1 share KV head h (HF repeat_kv order), so [B, H, T, hd] reshapes to [B, kv, groups*T, hd].
            var grouped = g.Op("Reshape", qh, g.Int64s("shape_grouped", 0, t.KeyValueHeads, -1, hd));
            var scores = g.Op("MatMul", grouped, g.Op("Transpose", [keys], OnnxGraph.Attr("perm", [0L, 1, 3, 2])));
            if (t.AttnLogitSoftcap is float attnCap)
                scores = TransformerOps.SoftCap(g, scores, attnCap);
            var probs = g.Op("Softmax", [scores], OnnxGraph.Attr("axis", -1L));
            var context = g.Op("Reshape", g.Op("MatMul", probs, values), g.Int64s("shape_ungrouped", 0, t.AttentionHeads, -1, hd));
            var attn = w.Linear(TransformerOps.MergeHeads(g, context, t.AttentionHeads, hd), $"layers.{i}.o_proj", Attention(i), [T("self_attn.o_proj.weight", d, t.AttentionHeads * hd)]);

            string mlpInput;
            if (t.IsGemma2)
            {
                h = g.Op("Add", h, Norm(attn, T("post_attention_layernorm.weight", d)));
                mlpInput = Norm(h, T("pre_feedforward_layernorm.weight", d));
            }
            else
            {
                h = g.Op("Add", h, attn);
                mlpInput = Norm(h, T("post_attention_layernorm.weight", d));
            }

            var mlp = MlpBlock(w, checkpoint, i, mlpInput);
            if (t.IsGemma2)
                mlp = Norm(mlp, T("post_feedforward_layernorm.weight", d));
            h = g.Op("Add", h, mlp);
        }

        // With lastOnly, h is already [B, 1, D]: the last layer kept only the last position.
        return Norm(h, checkpoint.Tensor(PaliGemmaTensorNames.FinalNorm, d));
    }

    /// <summary>
    /// The decoder blocks with ORT's fused contrib ops. Each residual add is folded into the RMSNorm that reads the
    /// sum (SkipSimplifiedLayerNormalization: output 0 the normalised sum, output 3 the sum itself, the new residual).
    /// Attention is GroupQueryAttention on the packed QKV projection with rotary inside (do_rotary, split-half as
    /// Gemma) and <c>causal=0</c>: the prefill attends bidirectionally over the whole prompt (PaliGemma's prefix-LM)
    /// and a decode step's single query attends to the whole cache, exactly as the standard graph. GQA derives
    /// positions from the cache length (0-based), while PaliGemma's are 1-based (HF/transformers.js), so the cos/sin
    /// tables are shifted by one row; position_ids stays an input (unused) so both layouts have the same signature.
    /// </summary>
    private static string FusedLayers(WeightWriter w, Checkpoint checkpoint, string h, string inputsEmbeds, bool lastOnly)
    {
        var g = w.Graph;
        var t = checkpoint.Config.Text;
        var (d, hd) = (t.HiddenSize, t.HeadDim);
        string Gamma(CheckpointTensor weight, out float[] values) => w.Constant(weight, out values, v => 1f + v);
        string Norm(string x, CheckpointTensor weight)
        {
            var normalized = TransformerOps.RmsNorm(g, x, Gamma(weight, out var gamma), t.RmsNormEps);
            w.NoteNormGains(normalized, gamma);
            return normalized;
        }

        (string Normalized, string Sum) SkipNorm(string x, string residual, CheckpointTensor weight)
        {
            var (normalized, sum) = (g.Name("skip_norm"), g.Name("residual"));
            g.NodeMulti("SkipSimplifiedLayerNormalization", [x, residual, Gamma(weight, out var gamma)], [normalized, "", "", sum], OnnxGraph.MicrosoftDomain, OnnxGraph.Attr("epsilon", t.RmsNormEps));
            w.NoteNormGains(normalized, gamma);
            return (normalized, sum);
        }

        var (cosCache, sinCache) = RotaryCaches(g, hd, t.RopeTheta);
        var (seqlensK, totalLength) = GqaLengths(g, inputsEmbeds);
        string? pending = null;
        for (var i = 0; i < t.LayerCount; i++)
        {
            CheckpointTensor T(string suffix, params long[] shape) => checkpoint.Tensor(PaliGemmaTensorNames.TextLayer(i, suffix), shape);
            string n;
            if (pending is null)
                n = Norm(h, T("input_layernorm.weight", d));
            else
                (n, h) = SkipNorm(pending, h, T("input_layernorm.weight", d));

            var qkv = w.Linear(n, $"layers.{i}.qkv", Attention(i), QkvWeights(checkpoint, i));
            var context = g.Name("attention");
            var attributes = new List<global::Onnx.AttributeProto>
            {
                OnnxGraph.Attr("num_heads", (long)t.AttentionHeads),
                OnnxGraph.Attr("kv_num_heads", (long)t.KeyValueHeads),
                OnnxGraph.Attr("scale", t.QueryScale),
                OnnxGraph.Attr("do_rotary", 1L),
                OnnxGraph.Attr("rotary_interleaved", 0L),
                OnnxGraph.Attr("causal", 0L),
            };
            if (t.AttnLogitSoftcap is float attnCap)
                attributes.Add(OnnxGraph.Attr("softcap", attnCap));
            g.NodeMulti(
                "GroupQueryAttention",
                [qkv, "", "", GraphTensorNames.PastKey(i), GraphTensorNames.PastValue(i), seqlensK, totalLength, cosCache, sinCache],
                [context, GraphTensorNames.PresentKey(i), GraphTensorNames.PresentValue(i)],
                OnnxGraph.MicrosoftDomain,
                [.. attributes]);
            if (lastOnly && i == t.LayerCount - 1)
            {
                // As in the standard graph: K/V for every position went to the cache; the rest runs on the last row.
                context = LastPosition(g, context);
                h = LastPosition(g, h);
            }

            var attn = w.Linear(context, $"layers.{i}.o_proj", Attention(i), [T("self_attn.o_proj.weight", d, t.AttentionHeads * hd)]);

            string mlpInput;
            if (t.IsGemma2)
                (mlpInput, h) = SkipNorm(Norm(attn, T("post_attention_layernorm.weight", d)), h, T("pre_feedforward_layernorm.weight", d));
            else
                (mlpInput, h) = SkipNorm(attn, h, T("post_attention_layernorm.weight", d));

            var mlp = MlpBlock(w, checkpoint, i, mlpInput);
            pending = t.IsGemma2 ? Norm(mlp, T("post_feedforward_layernorm.weight", d)) : mlp;
        }

        var (final, _) = SkipNorm(pending!, h, checkpoint.Tensor(PaliGemmaTensorNames.FinalNorm, d));
        return final;
    }

    private static CheckpointTensor[] QkvWeights(Checkpoint checkpoint, int layer)
    {
        var t = checkpoint.Config.Text;
        var (d, hd) = (t.HiddenSize, t.HeadDim);
        CheckpointTensor T(string suffix, params long[] shape) => checkpoint.Tensor(PaliGemmaTensorNames.TextLayer(layer, suffix), shape);
        return [T("self_attn.q_proj.weight", t.AttentionHeads * hd, d), T("self_attn.k_proj.weight", t.KeyValueHeads * hd, d), T("self_attn.v_proj.weight", t.KeyValueHeads * hd, d)];
    }

    /// <summary>GeGLU MLP: packed gate/up projection, gelu(gate) * up, down projection.</summary>
    private static string MlpBlock(WeightWriter w, Checkpoint checkpoint, int layer, string x)
    {
        var g = w.Graph;
        var t = checkpoint.Config.Text;
        var d = t.HiddenSize;
        CheckpointTensor T(string suffix, params long[] shape) => checkpoint.Tensor(PaliGemmaTensorNames.TextLayer(layer, suffix), shape);
        var gateUp = w.Linear(x, $"layers.{layer}.gate_up", Mlp(layer), [T("mlp.gate_proj.weight", t.IntermediateSize, d), T("mlp.up_proj.weight", t.IntermediateSize, d)]);
        var (gate, up) = (g.Name("gate"), g.Name("up"));
        g.NodeMulti("Split", [gateUp, g.Int64s("split_mlp", t.IntermediateSize, t.IntermediateSize)], [gate, up], "", OnnxGraph.Attr("axis", -1L));
        return w.Linear(g.Op("Mul", TransformerOps.GeluTanh(g, gate), up), $"layers.{layer}.down_proj", Mlp(layer), [T("mlp.down_proj.weight", d, t.IntermediateSize)]);
    }

    /// <summary>Keeps the last position along the sequence axis (1 for [B, T, D], 2 for [B, heads, T, head_dim]).</summary>
    private static string LastPosition(OnnxGraph g, string x, long axis = 1) =>
        g.Op("Slice", x, g.Int64s("last_start", -1), g.Int64s("last_end", long.MaxValue), g.Int64s("last_axis", axis));

    /// <summary>cos/sin [rows, head_dim/2] for GroupQueryAttention; row r holds position r + 1 (PaliGemma's 1-based positions).</summary>
    private static (string Cos, string Sin) RotaryCaches(OnnxGraph g, int headDim, float theta)
    {
        var invFreq = RotaryEmbedding.InverseFrequencies(headDim, theta);
        var half = invFreq.Length;
        var cos = new float[RotaryCacheRows * half];
        var sin = new float[RotaryCacheRows * half];
        for (var r = 0; r < RotaryCacheRows; r++)
        {
            for (var j = 0; j < half; j++)
            {
                // float32 position x frequency, as the standard graph's Mul computes the angle.
                var angle = (float)(r + 1) * invFreq[j];
                cos[(r * half) + j] = MathF.Cos(angle);
                sin[(r * half) + j] = MathF.Sin(angle);
            }
        }

        return (g.Floats("rope.cos_cache", [RotaryCacheRows, half], cos), g.Floats("rope.sin_cache", [RotaryCacheRows, half], sin));
    }

    /// <summary>
    /// GroupQueryAttention's length inputs from the shapes: total = past + new tokens (int32 scalar), seqlens_k =
    /// total - 1 per batch row (int32 [B]). One unpadded sequence per row, as the engine and transformers.js feed.
    /// </summary>
    private static (string SeqlensK, string Total) GqaLengths(OnnxGraph g, string inputsEmbeds)
    {
        var embedsShape = g.Op("Shape", inputsEmbeds);
        var batch = g.Op("Slice", embedsShape, g.Int64s("start0", 0), g.Int64s("end1", 1));
        var newTokens = g.Op("Slice", embedsShape, g.Int64s("start1", 1), g.Int64s("end2", 2));
        var past = g.Op("Slice", g.Op("Shape", GraphTensorNames.PastKey(0)), g.Int64s("start2", 2), g.Int64s("end3", 3));
        var total = g.Op("Add", past, newTokens);
        var toInt32 = OnnxGraph.Attr("to", (long)DataType.Int32);
        var totalScalar = g.Node("Cast", [g.Op("Squeeze", total, g.Int64s("axis0", 0))], g.Name("total_sequence_length"), "", toInt32);
        var seqlens = g.Node("Cast", [g.Op("Expand", g.Op("Sub", total, g.Int64s("one", 1)), batch)], g.Name("seqlens_k"), "", toInt32);
        return (seqlens, totalScalar);
    }
}
