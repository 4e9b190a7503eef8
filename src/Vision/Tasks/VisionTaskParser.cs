using System.Text.RegularExpressions;

namespace EdgePali.Vision.Tasks;

/// <summary>
/// Turns what a user typed ("detect car ; person", "caption en", "answer en what is this?") or what a
/// configuration section says (kind + prompt/labels) into a <see cref="VisionTask"/>. A pure function:
/// anything that is not one of the known PaliGemma prefixes becomes a <see cref="RawTask"/> sent as is,
/// so a user can always reach the model directly.
/// </summary>
public static partial class VisionTaskParser
{
    private const string DefaultLanguage = "en";

    /// <summary>
    /// Parses a prompt. Keywords are matched case-insensitively; the rest is kept as typed.
    /// "caption [lang]", "describe [lang]", "ocr", "answer [lang] question", "detect a ; b", "segment a ; b";
    /// a language is a code such as "en", "de" or "pt-BR" and defaults to "en" when left out (after "answer",
    /// only the XM3600 languages count, so a question may start with a short word such as "is").
    /// Malformed forms ("caption en extra words", "detect" without labels) and anything else are raw prompts.
    /// </summary>
    public static VisionTask Parse(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var text = prompt.Trim();
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var keyword = (space < 0 ? text : text[..space]).ToLowerInvariant();
        var rest = space < 0 ? string.Empty : text[(space + 1)..].Trim();

        return keyword switch
        {
            TaskKinds.Caption when LanguageOrDefault(rest) is { } language => new CaptionTask(language),
            TaskKinds.Describe when LanguageOrDefault(rest) is { } language => new DescribeTask(language),
            TaskKinds.Ocr when rest.Length == 0 => new OcrTask(),
            TaskKinds.Answer when rest.Length > 0 => ParseAnswer(rest),
            TaskKinds.Detect when SplitLabels(rest) is { Length: > 0 } labels => new DetectTask(labels),
            TaskKinds.Segment when SplitLabels(rest) is { Length: > 0 } labels => new SegmentTask(labels),
            _ => new RawTask(prompt),
        };
    }

    /// <summary>
    /// Builds a task from configuration: <paramref name="kind"/> is one of <see cref="TaskKinds.All"/>;
    /// "answer" needs the question in <paramref name="prompt"/>, "raw" the prefix; "detect"/"segment" take
    /// <paramref name="labels"/> or, failing that, a "a ; b" list in <paramref name="prompt"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The kind is unknown or a required part is missing; the message says which.</exception>
    public static VisionTask FromKind(string kind, string? prompt = null, IReadOnlyList<string>? labels = null, string? language = null)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var lang = string.IsNullOrWhiteSpace(language) ? DefaultLanguage : language.Trim();
        if (!LanguagePattern().IsMatch(lang))
            throw new ArgumentException($"Language '{language}' is not a language code such as 'en', 'de' or 'pt-BR'.", nameof(language));

        switch (kind.Trim().ToLowerInvariant())
        {
            case TaskKinds.Caption:
                return new CaptionTask(lang);
            case TaskKinds.Describe:
                return new DescribeTask(lang);
            case TaskKinds.Ocr:
                return new OcrTask();
            case TaskKinds.Answer:
                return string.IsNullOrWhiteSpace(prompt)
                    ? throw new ArgumentException("Task kind 'answer' needs the question in its prompt.", nameof(prompt))
                    : new AnswerTask(prompt.Trim(), lang);
            case TaskKinds.Detect:
            case TaskKinds.Segment:
                var list = labels is { Count: > 0 }
                    ? labels.Select(l => l.Trim()).Where(l => l.Length > 0).ToArray()
                    : SplitLabels(prompt ?? string.Empty);
                if (list.Length == 0)
                    throw new ArgumentException($"Task kind '{kind}' needs at least one label (labels, or a prompt such as \"car ; person\").", nameof(labels));
                return kind.Trim().Equals(TaskKinds.Detect, StringComparison.OrdinalIgnoreCase) ? new DetectTask(list) : new SegmentTask(list);
            case TaskKinds.Raw:
                return prompt is null
                    ? throw new ArgumentException("Task kind 'raw' needs the prefix to send in its prompt.", nameof(prompt))
                    : new RawTask(prompt);
            default:
                throw new ArgumentException($"Unknown task kind '{kind}'. Known kinds: {string.Join(", ", TaskKinds.All)}.", nameof(kind));
        }
    }

    // The 36 languages of XM3600, which PaliGemma's multilingual captioning and VQA mixes cover. After
    // "answer" only these count as a language, so "answer is the door open?" keeps "is" in the question.
    private static readonly HashSet<string> AnswerLanguages = new(StringComparer.OrdinalIgnoreCase)
    {
        "ar", "bn", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fil", "fr", "he", "hi", "hr", "hu", "id", "it",
        "ja", "ko", "mi", "nl", "no", "pl", "pt", "quz", "ro", "ru", "sv", "sw", "te", "th", "tr", "uk", "vi", "zh",
    };

    private static AnswerTask ParseAnswer(string rest)
    {
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && IsAnswerLanguage(rest[..space]))
            return new AnswerTask(rest[(space + 1)..].Trim(), rest[..space]);
        // No language code: the whole rest is the question (PaliGemma still needs one, so English).
        return new AnswerTask(rest, DefaultLanguage);
    }

    private static bool IsAnswerLanguage(string word) =>
        LanguagePattern().IsMatch(word) && AnswerLanguages.Contains(word.Split('-', '_')[0]);

    /// <summary>The language in <paramref name="rest"/>, "en" when empty, null when it is not a single code.</summary>
    private static string? LanguageOrDefault(string rest) =>
        rest.Length == 0 ? DefaultLanguage : LanguagePattern().IsMatch(rest) ? rest : null;

    private static string[] SplitLabels(string list) =>
        list.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    // ISO 639 codes as PaliGemma's prompts use them, optionally with a region ("en", "zh", "pt-BR", "zh_Hant").
    [GeneratedRegex("^[a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,4})?$")]
    private static partial Regex LanguagePattern();
}
