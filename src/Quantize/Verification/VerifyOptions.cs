namespace EdgePali.Quantize.Verification;

/// <summary>What `verify` compares and the bars the candidate must clear.</summary>
/// <param name="Images">Folder of images or a video file; null: generated scenes.</param>
/// <param name="Prompts">Task prefixes ("caption en", "detect car", ...); null: <see cref="DefaultPrompts"/>.</param>
/// <param name="MinCosine">Lowest acceptable mean cosine similarity of vision features and of prefill logits.</param>
/// <param name="MinTop1">Lowest acceptable top-1 next-token agreement (0..1).</param>
public sealed record VerifyOptions(
    string ReferenceDir,
    string CandidateDir,
    string? ReferenceVariant = null,
    string? CandidateVariant = null,
    string? Images = null,
    IReadOnlyList<string>? Prompts = null,
    int MaxImages = 4,
    int MaxNewTokens = 12,
    double? MinCosine = null,
    double? MinTop1 = null)
{
    public static readonly IReadOnlyList<string> DefaultPrompts = ["caption en", "describe en", "detect person ; car", "answer en what is in the image?"];
}
