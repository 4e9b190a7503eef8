namespace EdgePali.Vision.Tasks;

/// <summary>
/// What to ask the model about an image. Each task knows its PaliGemma prompt prefix (ai.google.dev prompt
/// docs) and how long its answer may be. Sealed records: a task is a value, copied per request.
/// </summary>
public abstract record VisionTask
{
    /// <summary>Short lower-case name used in configuration, topics and JSON ("caption", "detect", ...).</summary>
    public abstract string Kind { get; }

    /// <summary>The text after the image tokens and before "\n", e.g. "detect car ; person".</summary>
    public abstract string Prefix { get; }

    /// <summary>Default cap on generated tokens for this kind of answer.</summary>
    public virtual int DefaultMaxNewTokens => 32;
}

/// <summary>"caption {lang}": a short caption.</summary>
public sealed record CaptionTask(string Language = "en") : VisionTask
{
    /// <inheritdoc/>
    public override string Kind => TaskKinds.Caption;
    /// <inheritdoc/>
    public override string Prefix => $"caption {Language}";
    /// <inheritdoc/>
    public override int DefaultMaxNewTokens => 48;
}

/// <summary>"describe {lang}": a longer description (pt checkpoints).</summary>
public sealed record DescribeTask(string Language = "en") : VisionTask
{
    /// <inheritdoc/>
    public override string Kind => TaskKinds.Describe;
    /// <inheritdoc/>
    public override string Prefix => $"describe {Language}";
    /// <inheritdoc/>
    public override int DefaultMaxNewTokens => 128;
}

/// <summary>"answer {lang} {question}": visual question answering.</summary>
public sealed record AnswerTask(string Question, string Language = "en") : VisionTask
{
    /// <inheritdoc/>
    public override string Kind => TaskKinds.Answer;
    /// <inheritdoc/>
    public override string Prefix => $"answer {Language} {Question}";
    /// <inheritdoc/>
    public override int DefaultMaxNewTokens => 32;
}

/// <summary>"ocr": read the text in the image.</summary>
public sealed record OcrTask : VisionTask
{
    /// <inheritdoc/>
    public override string Kind => TaskKinds.Ocr;
    /// <inheritdoc/>
    public override string Prefix => "ocr";
    /// <inheritdoc/>
    public override int DefaultMaxNewTokens => 128;
}

/// <summary>"detect {a} ; {b}": boxes as four location tokens per object, then the label.</summary>
public sealed record DetectTask(IReadOnlyList<string> Labels) : VisionTask
{
    /// <summary>Constrained decoding: only well-formed answers naming the requested labels can be generated (see docs/engine.md).</summary>
    public bool Constrained { get; init; } = true;

    /// <inheritdoc/>
    public override string Kind => TaskKinds.Detect;
    /// <inheritdoc/>
    public override string Prefix => "detect " + string.Join(" ; ", Labels);
    /// <inheritdoc/>
    public override int DefaultMaxNewTokens => 64;
}

/// <summary>"segment {a} ; {b}": boxes plus 16 segmentation codes per object.</summary>
public sealed record SegmentTask(IReadOnlyList<string> Labels) : VisionTask
{
    /// <summary>Constrained decoding: only well-formed answers (box, 16 codes, a requested label) can be generated.</summary>
    public bool Constrained { get; init; } = true;

    /// <inheritdoc/>
    public override string Kind => TaskKinds.Segment;
    /// <inheritdoc/>
    public override string Prefix => "segment " + string.Join(" ; ", Labels);
    /// <inheritdoc/>
    public override int DefaultMaxNewTokens => 96;
}

/// <summary>Any prefix, sent as is; the output is parsed for locations and segments all the same.</summary>
public sealed record RawTask(string Text) : VisionTask
{
    /// <inheritdoc/>
    public override string Kind => TaskKinds.Raw;
    /// <inheritdoc/>
    public override string Prefix => Text;
}
