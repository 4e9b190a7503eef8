namespace EdgePali.Quantize.Quantization;

/// <summary>How <see cref="MatMulIntegerWriter"/> quantises its input at run time.</summary>
internal enum ActivationQuantization
{
    /// <summary>DynamicQuantizeLinear: one asymmetric uint8 scale for the whole tensor.</summary>
    PerTensor,

    /// <summary>One symmetric scale per row (token): the w8a8 format.</summary>
    PerToken,
}
