using EdgePali.Agent.Capture;
using EdgePali.Agent.Control;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Scheduling;

/// <summary>A question about a camera's newest frame, waiting for the shared model.</summary>
internal sealed class AskRequest(string camera, FrameBuffer frame, VisionTask task, CancellationToken cancellationToken)
{
    public string Camera { get; } = camera;

    public FrameBuffer Frame { get; } = frame;

    public VisionTask Task { get; } = task;

    /// <summary>The asker's token: a question nobody waits for any more is skipped.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    public TaskCompletionSource<AskAnswer> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
