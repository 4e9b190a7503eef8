namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>The calibrated range of one activation tensor (what its QuantizeLinear scale and zero point are made from).</summary>
public readonly record struct TensorRange(float Min, float Max);
