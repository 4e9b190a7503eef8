using EdgePali.Agent.Capture;
using EdgePali.Agent.Control;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Scheduling;

/// <summary>The worker's side of remote commands: settings go to the camera runtimes, questions to the scheduler's ask queue.</summary>
internal sealed class CameraControl(CameraRegistry cameras, AnalysisScheduler scheduler, ModelHost model, ILogger<CameraControl> logger) : ICameraControl
{
    public IReadOnlyList<string> CameraNames { get; } = [.. cameras.Cameras.Select(c => c.Name)];

    public CameraSettings? GetSettings(string camera) => cameras.Find(camera)?.GetSettings();

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
        return ValueTask.FromResult(SettingsChangeOutcome.Accepted(current));
    }

    public async ValueTask<AskAnswer> AskAsync(string camera, VisionTask task, CancellationToken cancellationToken)
    {
        var runtime = cameras.Find(camera)
            ?? throw new CameraControlException($"No camera named '{camera}'. Cameras: {string.Join(", ", CameraNames)}.");
        if (model.Loaded is null)
            throw new CameraControlException("The model is still loading; ask again in a moment.");
        var frame = new FrameBuffer();
        if (!runtime.Slot.TryCopyLatest(frame))
            throw new CameraControlException($"Camera '{camera}' has not captured a frame yet (state {runtime.State.ToString().ToLowerInvariant()}); ask again once it streams.");
        var request = new AskRequest(camera, frame, task, cancellationToken);
        if (!scheduler.TryEnqueue(request))
            throw new CameraControlException($"Too many questions waiting ({AnalysisScheduler.AskQueueCapacity}); ask again when the model has answered them.");
        return await request.Answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
