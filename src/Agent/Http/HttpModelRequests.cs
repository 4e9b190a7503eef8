using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Scheduling;
using EdgePali.Vision.Imaging;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Http;

/// <summary>
/// HTTP requests for the one shared model: they join the scheduler's bounded ask queue, the same queue (and so the
/// same limit) as MQTT questions, ahead of scheduled tasks; a full queue is refused at once (429) instead of letting
/// callers pile up behind a model that answers a few requests a minute.
/// </summary>
internal sealed class HttpModelRequests(AnalysisScheduler scheduler, ModelHost model, TimeProvider time)
{
    /// <summary>The camera name such requests carry in logs and results.</summary>
    public const string Source = "http";

    public bool ModelLoaded => model.Loaded is not null;

    public string ModelName => model.Loaded?.ModelName ?? "";

    /// <summary>Queues <paramref name="task"/> on <paramref name="image"/>; null when the queue is full.</summary>
    public AskRequest? TryEnqueue(ImageFrame image, VisionTask task, int maxNewTokens, Action<string>? onText, CancellationToken cancellationToken)
    {
        var frame = ToFrame(image);
        frame.Timestamp = time.GetUtcNow();
        var request = new AskRequest(Source, frame, task, cancellationToken, maxNewTokens: maxNewTokens) { OnText = onText };
        return scheduler.TryEnqueue(request) ? request : null;
    }

    private static FrameBuffer ToFrame(ImageFrame image)
    {
        var frame = new FrameBuffer();
        frame.SetSize(image.Width, image.Height);
        image.CopyAsBgr(frame.Pixels);
        return frame;
    }
}
