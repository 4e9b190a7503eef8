using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Pipeline;

/// <summary>
/// An analysis asked for from outside the schedule, waiting for the shared model: a question about a camera's
/// newest frame (`ask`), or a run of one of the camera's tasks by name, whose result is published as that
/// task's (<see cref="TaskName"/> set). With a <see cref="FramePool"/>, the request owns its rented frame until
/// <see cref="ReleaseFrame"/> (the scheduler's, once the request is answered, failed, skipped or refused).
/// </summary>
internal sealed class AskRequest(string camera, FrameBuffer frame, VisionTask task, CancellationToken cancellationToken, string? taskName = null, int maxNewTokens = 0, FramePool? framePool = null)
{
    /// <summary>How many requests may wait for the model at once, over every camera and client (MQTT and HTTP share it).</summary>
    public const int QueueCapacity = 4;

    private int _released;

    public string Camera { get; } = camera;

    public FrameBuffer Frame { get; } = frame;

    public VisionTask Task { get; } = task;

    /// <summary>The configured task this runs (its result is published); null for a question.</summary>
    public string? TaskName { get; } = taskName;

    /// <summary>Token cap: the task's configured one, or the kind's default.</summary>
    public int MaxNewTokens { get; } = maxNewTokens > 0 ? maxNewTokens : task.DefaultMaxNewTokens;

    /// <summary>The asker's token: a question nobody waits for any more is skipped.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>When set, receives the answer's text piece by piece while it is generated (HTTP streaming).</summary>
    public Action<string>? OnText { get; init; }

    public TaskCompletionSource<AskAnswer> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>For a task run: completes once the result has been numbered and handed to every publisher.</summary>
    public TaskCompletionSource<PublishedResult> Published { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gives the frame back to its pool (once; later calls do nothing). <see cref="Frame"/> must not be read afterwards.</summary>
    public void ReleaseFrame()
    {
        if (framePool is not null && Interlocked.Exchange(ref _released, 1) == 0)
            framePool.Return(Frame);
    }
}
