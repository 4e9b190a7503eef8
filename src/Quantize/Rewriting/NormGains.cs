using EdgePali.Quantize.Onnx;
using Onnx;

namespace EdgePali.Quantize.Rewriting;

/// <summary>
/// The per-channel gain of a norm node's output, |gamma| (+ |beta|), read from its initializers: what `quantize`
/// hands <see cref="Quantization.ChannelSmoothing.Scales"/> for a w8a8 MatMul whose input a norm produced, as the
/// builder does from the checkpoint (so both write the same weights). Norms spelled out in elementary ops (some
/// exporters' RMSNorm) are not recognised; their MatMuls are smoothed from the weights alone.
/// </summary>
internal static class NormGains
{
    /// <summary>
    /// Gains of length <paramref name="k"/> when <paramref name="value"/> is a norm's output 0, directly or through
    /// reshapes (Reshape, Flatten, Squeeze, Unsqueeze: row-major, so with the last axis still K each channel keeps
    /// its index; the builder's LM head reads the final norm through a Reshape); else null.
    /// </summary>
    public static float[]? Find(IReadOnlyDictionary<string, NodeProto> producers, string value, OnnxModelSource source, int k)
    {
        ArgumentNullException.ThrowIfNull(producers);
        var producer = producers.GetValueOrDefault(value);
        while (producer is { OpType: "Reshape" or "Flatten" or "Squeeze" or "Unsqueeze", Domain.Length: 0 } && producer.Input.Count > 0)
        {
            value = producer.Input[0];
            producer = producers.GetValueOrDefault(value);
        }

        return Of(producer, value, source, k);
    }

    private static float[]? Of(NodeProto? producer, string value, OnnxModelSource source, int k)
    {
        if (producer is null || producer.Output.Count == 0 || producer.Output[0] != value)
            return null;
        var (gamma, beta) = producer.OpType switch
        {
            "SimplifiedLayerNormalization" => (1, -1),
            "LayerNormalization" => (1, 2),
            "SkipSimplifiedLayerNormalization" => (2, -1),
            "SkipLayerNormalization" => (2, 3),
            _ => (-1, -1),
        };
        var gammaValues = Read(producer, gamma, source, k);
        return gammaValues is null ? null : Quantization.ChannelSmoothing.NormGains(gammaValues, Read(producer, beta, source, k));
    }

    private static float[]? Read(NodeProto node, int input, OnnxModelSource source, int k)
    {
        if (input < 0 || input >= node.Input.Count || !source.TryGetInitializer(node.Input[input], out var tensor))
            return null;
        if ((TensorProto.Types.DataType)tensor.DataType != TensorProto.Types.DataType.Float || OnnxModelSource.ElementCount(tensor) != k)
            return null;
        var values = new float[k];
        source.ReadFloats(tensor, 0, values);
        return values;
    }
}
