using EdgePali.Quantize.Checkpoints;
using EdgePali.Quantize.Onnx;
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
/// </summary>
internal static class DecoderBuilder
{
    public static void Build(WeightWriter w, Checkpoint checkpoint, DecoderLogits logitsPositions)
    {
        var g = w.Graph;
        var t = checkpoint.Config.Text;
        var d = t.HiddenSize;
        var hd = t.HeadDim;
        var inputsEmbeds = g.Input("inputs_embeds", DataType.Float, "batch_size", "sequence_length", d);
        var positionIds = g.Input("position_ids", DataType.Int64, "batch_size", "sequence_length");
        for (var i = 0; i < t.Layers; i++)
        {
            g.Input($"past_key_values.{i}.key", DataType.Float, "batch_size", t.KvHeads, "past_sequence_length", hd);
            g.Input($"past_key_values.{i}.value", DataType.Float, "batch_size", t.KvHeads, "past_sequence_length", hd);
        }

        var h = g.Op("Mul", inputsEmbeds, g.Scalar("sqrt_hidden", MathF.Sqrt(d)));
        var (cos, sin) = TransformerOps.RotaryTables(g, positionIds, hd, t.RopeTheta);
        var queryScale = g.Scalar("query_scale", t.QueryScale);
        string Norm(string x, CheckpointTensor weight) => TransformerOps.RmsNorm(g, x, w.Constant(weight, v => 1f + v), t.RmsNormEps);

        for (var i = 0; i < t.Layers; i++)
        {
            CheckpointTensor T(string suffix, params long[] shape) => checkpoint.Tensor(PaliGemmaTensorNames.TextLayer(i, suffix), shape);
            var n = Norm(h, T("input_layernorm.weight", d));
            var qkv = w.Linear(n, $"layers.{i}.qkv", [
                T("self_attn.q_proj.weight", t.Heads * hd, d),
                T("self_attn.k_proj.weight", t.KvHeads * hd, d),
                T("self_attn.v_proj.weight", t.KvHeads * hd, d)]);
            var (q, k, v) = (g.Name("q"), g.Name("k"), g.Name("v"));
            g.NodeMulti("Split", [qkv, g.Int64s("split_qkv", (long)t.Heads * hd, (long)t.KvHeads * hd, (long)t.KvHeads * hd)], [q, k, v], "", OnnxGraph.Attr("axis", -1L));
            var qh = g.Op("Mul", TransformerOps.ApplyRotary(g, TransformerOps.SplitHeads(g, q, t.Heads, hd), cos, sin), queryScale);
            var kh = TransformerOps.ApplyRotary(g, TransformerOps.SplitHeads(g, k, t.KvHeads, hd), cos, sin);
            var vh = TransformerOps.SplitHeads(g, v, t.KvHeads, hd);
            var keys = g.Node("Concat", [$"past_key_values.{i}.key", kh], $"present.{i}.key", "", OnnxGraph.Attr("axis", 2L));
            var values = g.Node("Concat", [$"past_key_values.{i}.value", vh], $"present.{i}.value", "", OnnxGraph.Attr("axis", 2L));

            // Query heads h*groups..h*groups+groups-1 share KV head h (HF repeat_kv order), so [B, H, T, hd] reshapes to [B, kv, groups*T, hd].
            var grouped = g.Op("Reshape", qh, g.Int64s("shape_grouped", 0, t.KvHeads, -1, hd));
            var scores = g.Op("MatMul", grouped, g.Op("Transpose", [keys], OnnxGraph.Attr("perm", [0L, 1, 3, 2])));
            if (t.AttnLogitSoftcap is float attnCap)
                scores = TransformerOps.SoftCap(g, scores, attnCap);
            var probs = g.Op("Softmax", [scores], OnnxGraph.Attr("axis", -1L));
            var context = g.Op("Reshape", g.Op("MatMul", probs, values), g.Int64s("shape_ungrouped", 0, t.Heads, -1, hd));
            var attn = w.Linear(TransformerOps.MergeHeads(g, context, t.Heads, hd), $"layers.{i}.o_proj", [T("self_attn.o_proj.weight", d, t.Heads * hd)]);

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

            var gateUp = w.Linear(mlpInput, $"layers.{i}.gate_up", [T("mlp.gate_proj.weight", t.IntermediateSize, d), T("mlp.up_proj.weight", t.IntermediateSize, d)]);
            var (gate, up) = (g.Name("gate"), g.Name("up"));
            g.NodeMulti("Split", [gateUp, g.Int64s("split_mlp", t.IntermediateSize, t.IntermediateSize)], [gate, up], "", OnnxGraph.Attr("axis", -1L));
            var mlp = w.Linear(g.Op("Mul", TransformerOps.GeluTanh(g, gate), up), $"layers.{i}.down_proj", [T("mlp.down_proj.weight", d, t.IntermediateSize)]);
            if (t.IsGemma2)
                mlp = Norm(mlp, T("post_feedforward_layernorm.weight", d));
            h = g.Op("Add", h, mlp);
        }

        var lastOnly = logitsPositions == DecoderLogits.LastPosition;
        if (lastOnly)
        {
            // Only the last position's hidden state goes through the final norm and the LM head: [B, T, D] -> [B, 1, D].
            h = g.Op("Slice", h, g.Int64s("last_start", -1), g.Int64s("last_end", long.MaxValue), g.Int64s("last_axis", 1));
        }

        h = Norm(h, checkpoint.Tensor(PaliGemmaTensorNames.FinalNorm, d));
        var head = checkpoint.Contains(PaliGemmaTensorNames.LmHead)
            ? checkpoint.Tensor(PaliGemmaTensorNames.LmHead, t.VocabSize, d)
            : checkpoint.Tensor(PaliGemmaTensorNames.EmbedTokens, t.VocabSize, d);
        var logits = w.LmHead(h, head);
        if (t.FinalLogitSoftcap is float finalCap)
            logits = TransformerOps.SoftCap(g, logits, finalCap);
        g.Output(logits, "logits", DataType.Float, "batch_size", lastOnly ? (object)1 : "sequence_length", t.VocabSize);
        for (var i = 0; i < t.Layers; i++)
        {
            g.Output($"present.{i}.key", $"present.{i}.key", DataType.Float, "batch_size", t.KvHeads, "total_sequence_length", hd);
            g.Output($"present.{i}.value", $"present.{i}.value", DataType.Float, "batch_size", t.KvHeads, "total_sequence_length", hd);
        }
    }
}
