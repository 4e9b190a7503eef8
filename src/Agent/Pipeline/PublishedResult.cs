using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Pipeline;

/// <summary>An analysis as it leaves the device: the engine's result plus where and when it came from.</summary>
/// <param name="Sequence">Device-wide, +1 per result, survives restarts.</param>
/// <param name="DeviceId">Agent:DeviceId.</param>
/// <param name="Camera">The camera's configured name.</param>
/// <param name="TaskName">The task's configured name (defaults to its kind); the topic leaf.</param>
/// <param name="FrameTimestamp">When the analysed frame was captured (UTC).</param>
/// <param name="FrameWidth">Width of the analysed frame in pixels.</param>
/// <param name="FrameHeight">Height of the analysed frame in pixels.</param>
/// <param name="Model">The model package's name and variant, e.g. "paligemma-3b-mix-224/int8".</param>
/// <param name="Result">The typed result from the engine.</param>
/// <param name="SnapshotJpeg">Annotated JPEG of the frame, when snapshots are enabled.</param>
/// <param name="Reused">True when the feature-similarity gate reused the previous result for a near-identical frame.</param>
public sealed record PublishedResult(
    long Sequence,
    string DeviceId,
    string Camera,
    string TaskName,
    DateTimeOffset FrameTimestamp,
    int FrameWidth,
    int FrameHeight,
    string Model,
    AnalysisResult Result,
    ReadOnlyMemory<byte>? SnapshotJpeg = null,
    bool Reused = false);
