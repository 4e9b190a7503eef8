namespace EdgePali.Vision.Tasks;

/// <summary>
/// The task kinds, spelled once: <see cref="VisionTask.Kind"/> values, what <see cref="VisionTaskParser.FromKind"/>
/// accepts, and the names configuration, MQTT and result JSON use. Adding a kind starts here.
/// </summary>
public static class TaskKinds
{
    /// <summary>A short caption (<see cref="CaptionTask"/>).</summary>
    public const string Caption = "caption";

    /// <summary>A longer description (<see cref="DescribeTask"/>).</summary>
    public const string Describe = "describe";

    /// <summary>Visual question answering (<see cref="AnswerTask"/>).</summary>
    public const string Answer = "answer";

    /// <summary>Reading text in the image (<see cref="OcrTask"/>).</summary>
    public const string Ocr = "ocr";

    /// <summary>Boxes for the requested labels (<see cref="DetectTask"/>).</summary>
    public const string Detect = "detect";

    /// <summary>Boxes and masks for the requested labels (<see cref="SegmentTask"/>).</summary>
    public const string Segment = "segment";

    /// <summary>Any prefix sent as is (<see cref="RawTask"/>).</summary>
    public const string Raw = "raw";

    /// <summary>Every kind, in the order help texts list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Caption, Describe, Answer, Ocr, Detect, Segment, Raw];

    /// <summary>Whether the kind's answers are parsed for objects (boxes, segmentation codes); the others are text only.</summary>
    public static bool HasObjects(string kind) => kind is Detect or Segment or Raw;
}
