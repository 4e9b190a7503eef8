namespace EdgePali.Quantize.Quantization;

/// <summary>Where a linear layer sits, for <see cref="WeightMix.Resolve"/>.</summary>
/// <param name="Part">Vision tower, projector, decoder, LM head or embedding table.</param>
/// <param name="Layer">Transformer block index (vision or decoder), null outside blocks or when unknown.</param>
/// <param name="Kind">Attention (q/k/v/o) or MLP projection; null when unknown.</param>
public sealed record LinearScope(LinearPart Part, int? Layer = null, LinearKind? Kind = null);

/// <summary>The parts a <see cref="WeightMix"/> rule can name.</summary>
public enum LinearPart
{
    Vision,
    Projector,
    Decoder,
    LmHead,
    Embed,
}

/// <summary>The kinds of linear layer inside a transformer block.</summary>
public enum LinearKind
{
    Attention,
    Mlp,
}
