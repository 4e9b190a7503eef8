namespace EdgePali.Bench;

/// <summary>transformers.js median / EdgePali median: above 1 means EdgePali is faster by that factor.</summary>
/// <param name="FirstToken">transformers.js first token vs EdgePali vision + prefill.</param>
public sealed record TransformersJsRatios(double EndToEnd, double Preprocess, double FirstToken, double DecodePerToken);
