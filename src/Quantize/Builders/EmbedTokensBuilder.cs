using EdgePali.Quantize.Checkpoints;
using EdgePali.Quantize.Onnx;
using EdgePali.Quantize.Quantization;
using EdgePali.Vision.Packages;
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
        var ids = g.Input(GraphTensorNames.InputIds, DataType.Int64, "batch_size", "sequence_length");
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
            var writer = new QuantizedEmbeddingWriter(g, "embed_tokens", t.VocabSize, d, blockSize);
            w.StreamRows(table, writer.WriteRows);
            embeds = writer.Complete(ids);
        }

        g.Output(embeds, GraphTensorNames.InputsEmbeds, DataType.Float, "batch_size", "sequence_length", d);
    }
}
