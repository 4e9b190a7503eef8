namespace EdgePali.Quantize.Quantization;

/// <summary>An activation's run-time quantised form: uint8 codes, scale and zero point (value names).</summary>
internal sealed record QuantizedActivation(string Codes, string Scale, string ZeroPoint);
