using System.Text.Json.Serialization;

namespace EdgePali.Bench;

/// <summary>One transformers.js run as tests/conformance/paligemma-bench.mjs reports it (ms).</summary>
public sealed record TransformersJsRun(
    [property: JsonPropertyName("preprocess_ms")] double PreprocessMs,
    [property: JsonPropertyName("first_token_ms")] double FirstTokenMs,
    [property: JsonPropertyName("decode_ms")] double DecodeMs,
    [property: JsonPropertyName("generated_tokens")] int GeneratedTokens,
    [property: JsonPropertyName("end_to_end_ms")] double EndToEndMs);
