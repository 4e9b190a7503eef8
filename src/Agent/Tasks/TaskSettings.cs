using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Tasks;

/// <summary>One analysis task of a camera.</summary>
/// <param name="Name">Unique within the camera; the topic leaf of its results.</param>
/// <param name="Kind">A <see cref="VisionTask.Kind"/>: caption, describe, answer, ocr, detect, segment or raw.</param>
/// <param name="Prompt">The question (answer), the whole prefix (raw) or the language code (caption, describe; null = "en").</param>
/// <param name="Labels">What to find (detect, segment); empty for the other kinds.</param>
/// <param name="Trigger">What starts an analysis.</param>
/// <param name="Interval">The period for <see cref="TaskTrigger.Interval"/>; the minimum time between analyses for the other triggers.</param>
/// <param name="Enabled">False pauses this task only.</param>
/// <param name="Answer">"yes/no" for an answer task whose question is answered yes or no (Home Assistant: a binary_sensor); else null.</param>
public sealed record TaskSettings(
    string Name,
    string Kind,
    string? Prompt,
    IReadOnlyList<string> Labels,
    TaskTrigger Trigger,
    TimeSpan Interval,
    bool Enabled = true,
    string? Answer = null)
{
    /// <summary>The engine task these settings describe. Throws ArgumentException when the kind is unknown or its prompt or labels are missing.</summary>
    public VisionTask ToVisionTask() => Kind switch
    {
        TaskKinds.Caption => new CaptionTask(string.IsNullOrWhiteSpace(Prompt) ? "en" : Prompt),
        TaskKinds.Describe => new DescribeTask(string.IsNullOrWhiteSpace(Prompt) ? "en" : Prompt),
        TaskKinds.Answer when !string.IsNullOrWhiteSpace(Prompt) => new AnswerTask(Prompt),
        TaskKinds.Ocr => new OcrTask(),
        TaskKinds.Detect when Labels.Count > 0 => new DetectTask(Labels),
        TaskKinds.Segment when Labels.Count > 0 => new SegmentTask(Labels),
        TaskKinds.Raw when !string.IsNullOrWhiteSpace(Prompt) => new RawTask(Prompt),
        TaskKinds.Answer or TaskKinds.Raw => throw new ArgumentException($"Task '{Name}': kind '{Kind}' needs a prompt."),
        TaskKinds.Detect or TaskKinds.Segment => throw new ArgumentException($"Task '{Name}': kind '{Kind}' needs at least one label."),
        _ => throw new ArgumentException($"Task '{Name}': unknown kind '{Kind}'; use one of {string.Join(", ", KnownKinds)}."),
    };

    /// <summary>Every kind <see cref="ToVisionTask"/> understands: the engine's list.</summary>
    public static IReadOnlyList<string> KnownKinds => TaskKinds.All;
}
