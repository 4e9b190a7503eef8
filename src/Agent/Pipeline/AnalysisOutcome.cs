using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Pipeline;

/// <summary>What the Infer stage hands the Publish stage: one finished analysis, not yet numbered.</summary>
/// <param name="Camera">The camera's name.</param>
/// <param name="TaskName">The task's configured name.</param>
/// <param name="FrameTimestamp">When the analysed frame was captured.</param>
/// <param name="FrameWidth">Frame width in pixels.</param>
/// <param name="FrameHeight">Frame height in pixels.</param>
/// <param name="Model">Model name and variant.</param>
/// <param name="Result">The engine's result.</param>
/// <param name="Snapshot">Annotated JPEG, when snapshots are on.</param>
/// <param name="Reused">True when the feature-similarity gate reused the previous result.</param>
/// <param name="Published">Completed with the numbered result once every publisher has it (a task run by name waits for it).</param>
internal sealed record AnalysisOutcome(
    string Camera,
    string TaskName,
    DateTimeOffset FrameTimestamp,
    int FrameWidth,
    int FrameHeight,
    string Model,
    AnalysisResult Result,
    byte[]? Snapshot,
    bool Reused,
    TaskCompletionSource<PublishedResult>? Published = null);
