using System.Text.RegularExpressions;

namespace EdgePali.Quantize.Hub;

/// <summary>
/// A Hugging Face Hub model repository id: <c>owner/name</c>, or a bare <c>name</c> for the few legacy models
/// without a namespace. Checked with the Hub's own rules (huggingface_hub validate_repo_id) so that a typo fails
/// here with a message rather than as a confusing 404 later.
/// </summary>
internal sealed partial record HubRepoId
{
    private HubRepoId(string value) => Value = value;

    /// <summary>The id as the Hub spells it, e.g. <c>onnx-community/paligemma2-3b-pt-224</c>.</summary>
    public string Value { get; }

    /// <summary>The last path segment (the name without the owner); the default output folder.</summary>
    public string Name => Value[(Value.LastIndexOf('/') + 1)..];

    public static HubRepoId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (!RepoIdPattern().IsMatch(trimmed) || trimmed.Contains("--", StringComparison.Ordinal) ||
            trimmed.Contains("..", StringComparison.Ordinal) || trimmed.EndsWith(".git", StringComparison.Ordinal))
        {
            throw new HubException(HubErrorKind.InvalidInput,
                $"'{text}' is not a Hugging Face repository id: expected owner/name (letters, digits, '-', '_', '.'), " +
                "e.g. onnx-community/paligemma2-3b-pt-224.");
        }

        return new HubRepoId(trimmed);
    }

    public override string ToString() => Value;

    // Each segment starts and ends with a word character, at most 96 characters (the Hub's limit).
    [GeneratedRegex(@"^(?:[\w.\-]{0,94}\w/)?\w(?:[\w.\-]{0,94}\w)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RepoIdPattern();
}
