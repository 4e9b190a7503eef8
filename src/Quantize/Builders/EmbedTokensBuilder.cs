using EdgePali.Quantize.Checkpoints;
using EdgePali.Quantize.Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Builders;

/// <summary>
/// embed_tokens: input_ids int64 [B, T] -> inputs_embeds [B, T, D], raw rows (the decoder applies sqrt(D)).
/// Quantised packages store the table as int8 with one float scale per block of 32 (or the block size) columns,
/// dequantised after the Gather with plain ONNX ops: a quarter of the float size, exact enough for a lookup
/// (every row keeps its own scales), and it runs on every ORT build including transformers.js's.
/// </summary>
internal static class EmbedTokensBuilder
{
    public static void Build(WeightWriter w, Checkpoint checkpoint, bool quantize, int blockSize)
    {
        var g = w.Graph;
        var t = checkpoint.Config.Text;
        var d = t.HiddenSize;
        var table = checkpoint.Tensor(PaliGemmaTensorNames.EmbedTokens, t.VocabSize, d);
        var ids = g.Input("input_ids", DataType.Int64, "batch_size", "sequence_length");
        string embeds;
        if (!quantize)
        {
            var name = g.Name("embed_tokens.weight");
            var sink = g.BeginInitializer(name, DataType.Float, [t.VocabSize, d]);
            w.StreamRows(table, rows => sink.Write(rows));
            sink.Complete();
            embeds = g.Op("Gather", name, ids);
        }
        else
        {
            var block = d % blockSize == 0 ? blockSize : d;
            var blocks = d / block;
            var qName = g.Name("embed_tokens.qweight");
            var qSink = g.BeginInitializer(qName, DataType.Int8, [t.VocabSize, d]);
            var scales = new float[(long)t.VocabSize * blocks];
            long row = 0;
            w.StreamRows(table, rows =>
            {
                var q = new sbyte[rows.Length];
                for (var start = 0; start < rows.Length; start += block)
                {
                    var values = rows.Slice(start, block);
                    var absMax = 0f;
                    foreach (var v in values)
                        absMax = MathF.Max(absMax, MathF.Abs(v));
                    var scale = absMax / 127f;
                    var inverse = scale == 0 ? 0 : 1f / scale;
                    for (var i = 0; i < block; i++)
                        q[start + i] = (sbyte)Math.Clamp((int)MathF.Round(values[i] * inverse), -127, 127);
                    scales[(row * blocks) + (start / block)] = scale;
                }

                qSink.Write<sbyte>(q);
                row += rows.Length / d;
            });
            qSink.Complete();
            var scaleName = g.Floats("embed_tokens.scales", [t.VocabSize, blocks, 1], scales);
            var codes = g.Node("Cast", [g.Op("Gather", qName, ids)], null, "", OnnxGraph.Attr("to", (long)DataType.Float));
            var blocked = g.Op("Reshape", codes, g.Int64s("shape_blocks", 0, 0, blocks, block));
            var dequantized = g.Op("Mul", blocked, g.Op("Gather", scaleName, ids));
            embeds = g.Op("Reshape", dequantized, g.Int64s("shape_embeds", 0, 0, d));
        }

        g.Output(embeds, "inputs_embeds", DataType.Float, "batch_size", "sequence_length", d);
    }
}
