using EdgePali.Vision.Tokenization;

namespace EdgePali.Vision.Tasks;

/// <summary>What a task's generated tokens mean beyond their text: objects, and a note for the caller.</summary>
/// <param name="Objects">Detected or segmented objects (empty for text tasks).</param>
/// <param name="Note">Skipped malformed objects, or segmentation codes without a mask decoder; null when all is well.</param>
public sealed record TaskOutput(IReadOnlyList<DetectedObject> Objects, string? Note);

/// <summary>
/// The one place generated tokens become a task's output (the engine calls it after every generation): detect,
/// segment and raw answers go through <see cref="DetectionParser"/>; segment codes become masks when a
/// <see cref="MaskDecoder"/> is given, and stay codes with <see cref="MaskDecoder.MissingDecoderNote"/> otherwise.
/// Caption, describe, answer and OCR answers are text only, even if the model wrote location tokens into them
/// (<see cref="TaskKinds.HasObjects"/>). Never throws on any token sequence.
/// </summary>
public static class TaskOutputParser
{
    /// <summary>Between notes when a result has several (the engine adds its own, e.g. a cut answer).</summary>
    public const string NoteSeparator = "; ";

    /// <summary>
    /// Parses <paramref name="tokens"/> (generated for <paramref name="task"/>) into objects with boxes in pixels of a
    /// <paramref name="frameWidth"/> x <paramref name="frameHeight"/> frame; <paramref name="masks"/> null keeps
    /// segmentation codes without masks.
    /// </summary>
    public static TaskOutput Parse(
        VisionTask task, IReadOnlyList<GeneratedToken> tokens, ITokenDecoder decoder, MaskDecoder? masks, int frameWidth, int frameHeight)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!TaskKinds.HasObjects(task.Kind))
            return new TaskOutput([], null);

        var objects = DetectionParser.Parse(tokens, decoder, frameWidth, frameHeight, out var skipped);
        var notes = new List<string>(2);
        if (skipped > 0)
            notes.Add($"{skipped} malformed object{(skipped == 1 ? "" : "s")} in the answer skipped (see the raw text)");

        if (objects.Any(o => o.SegmentCodes is not null))
        {
            if (masks is null)
                notes.Add(MaskDecoder.MissingDecoderNote);
            else
                objects = masks.AttachMasks(objects, frameWidth, frameHeight);
        }

        return new TaskOutput(objects, notes.Count == 0 ? null : string.Join(NoteSeparator, notes));
    }
}
