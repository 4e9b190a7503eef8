using System.Text.Json.Serialization;

namespace EdgePali.Quantize.Verification;

/// <summary>One package's side of a comparison: what was loaded, its size on disk and how fast it ran here.</summary>
public sealed record PackageMeasurement(
    [property: JsonPropertyName("directory")] string Directory,
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("vision_ms")] double VisionMs,
    [property: JsonPropertyName("prefill_ms")] double PrefillMs,
    [property: JsonPropertyName("decode_ms_per_token")] double DecodeMsPerToken);

/// <summary>
/// The outcome of `verify`: per part the cosine similarity of the candidate's outputs to the reference's, the
/// candidate's top-1 next-token agreement over the generated positions (the reference's greedy tokens forced, so
/// one early miss does not spoil the rest), how often free greedy generation gives exactly the reference's
/// output, and each package's size and speed. <see cref="Failures"/> lists the thresholds missed.
/// <see cref="Top1PromptPositions"/> is a diagnostic: predictions inside the prompt (image tokens included) are
/// never used by generation, and on random-weight test models they are near ties.
/// </summary>
public sealed record VerifyReport(
    [property: JsonPropertyName("reference")] PackageMeasurement Reference,
    [property: JsonPropertyName("candidate")] PackageMeasurement Candidate,
    [property: JsonPropertyName("images")] int Images,
    [property: JsonPropertyName("prompts")] int Prompts,
    [property: JsonPropertyName("vision_cosine_mean")] double VisionCosineMean,
    [property: JsonPropertyName("vision_cosine_min")] double VisionCosineMin,
    [property: JsonPropertyName("prefill_logits_cosine_mean")] double PrefillLogitsCosineMean,
    [property: JsonPropertyName("prefill_logits_cosine_min")] double PrefillLogitsCosineMin,
    [property: JsonPropertyName("top1_agreement")] double Top1Agreement,
    [property: JsonPropertyName("top1_prompt_positions")] double Top1PromptPositions,
    [property: JsonPropertyName("generated_positions")] int Positions,
    [property: JsonPropertyName("greedy_equal_rate")] double GreedyEqualRate,
    [property: JsonPropertyName("failures")] IReadOnlyList<string> Failures)
{
    [JsonPropertyName("passed")]
    public bool Passed => Failures.Count == 0;
}
