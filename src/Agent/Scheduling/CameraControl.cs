using EdgePali.Agent.Control;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Tasks;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Scheduling;

/// <summary>The worker's side of remote commands: settings go to the camera runtimes, questions to the scheduler's ask queue.</summary>
internal sealed class CameraControl(CameraRegistry cameras, AnalysisScheduler scheduler, ModelHost model, RemoteSettingsStore store, FramePool frames, ILogger<CameraControl> logger) : ICameraControl
{
    public IReadOnlyList<string> CameraNames { get; } = [.. cameras.Cameras.Select(c => c.Name)];

    public CameraSettings? GetSettings(string camera) => cameras.Find(camera)?.GetSettings();

    public CameraSettings? GetConfiguredSettings(string camera) => cameras.Find(camera)?.ConfiguredSettings;

    public ValueTask<SettingsChangeOutcome> ApplySettingsAsync(CameraSettings desired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var runtime = cameras.Find(desired.Camera)
            ?? throw new CameraControlException($"No camera named '{desired.Camera}'. Cameras: {string.Join(", ", CameraNames)}.");
        var error = runtime.ApplySettings(desired);
        var current = runtime.GetSettings();
        if (error is not null)
            return ValueTask.FromResult(SettingsChangeOutcome.Rejected(current, error));
        logger.LogInformation("Camera {Camera}: settings changed remotely ({Tasks} tasks, enabled {Enabled})", runtime.Name, current.Tasks.Count, current.Enabled);
        try
        {
            store.Record(current, runtime.ConfiguredSettings);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The change is in force; only surviving a restart failed. Say so rather than refuse a change that already applies.
            logger.LogWarning("Camera {Camera}: the changed settings apply but cannot be kept across a restart: writing {Path} failed ({Reason}). Make Agent:StateDirectory writable.",
                runtime.Name, store.Path, e.Message);
        }

        return ValueTask.FromResult(SettingsChangeOutcome.Accepted(current));
    }

    public async ValueTask<AskAnswer> AskAsync(string camera, VisionTask task, CancellationToken cancellationToken)
    {
        var runtime = cameras.Find(camera)
            ?? throw new CameraControlException($"No camera named '{camera}'. Cameras: {string.Join(", ", CameraNames)}.");
        if (model.Loaded is null)
            throw new CameraControlException("The model is still loading; ask again in a moment.");
        var request = new AskRequest(camera, RentLatest(runtime, "ask again once it streams"), task, cancellationToken, framePool: frames);
        if (!scheduler.TryEnqueue(request))
        {
            request.ReleaseFrame();
            throw new CameraControlException($"Too many questions waiting ({AskRequest.QueueCapacity}); ask again when the model has answered them.");
        }

        return await request.Answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<PublishedResult> RunTaskAsync(string camera, string taskName, CancellationToken cancellationToken)
    {
        var runtime = cameras.Find(camera)
            ?? throw new CameraControlException($"No camera named '{camera}'. Cameras: {string.Join(", ", CameraNames)}.");
        if (RunTaskCommand.Check(runtime.GetSettings(), taskName) is { } refused)
            throw new CameraControlException(refused);
        if (model.Loaded is null)
            throw new CameraControlException("The model is still loading; run the task again in a moment.");
        var task = runtime.FindTask(taskName)
            ?? throw new CameraControlException($"Camera '{camera}' has no task '{taskName}'.");
        var request = new AskRequest(camera, RentLatest(runtime, "run the task again once it streams"), task.Vision, cancellationToken, task.Name, task.MaxNewTokens, frames);
        if (!scheduler.TryEnqueue(request))
        {
            request.ReleaseFrame();
            throw new CameraControlException($"Too many requests waiting for the model ({AskRequest.QueueCapacity}); try again when it has caught up.");
        }

        logger.LogInformation("Camera {Camera}: task {Task} run by command", camera, taskName);
        // The analysis first (its failure is the caller's answer), then the publication with its sequence number.
        await request.Answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await request.Published.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The camera's newest frame in a pooled buffer; the request it goes into gives it back (the scheduler releases it
    /// once answered, failed or skipped), so questions allocate no new 0.9 MB buffer each (large object heap).
    /// </summary>
    private FrameBuffer RentLatest(CameraRuntime runtime, string retry)
    {
        var frame = frames.Rent();
        if (runtime.Slot.TryCopyLatest(frame))
            return frame;
        frames.Return(frame);
        throw new CameraControlException($"Camera '{runtime.Name}' has not captured a frame yet (state {runtime.State.ToString().ToLowerInvariant()}); {retry}.");
    }
}
