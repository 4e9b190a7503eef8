using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Gating;

/// <summary>
/// The Gate stage: per camera, takes the newest captured frame, runs the motion gate, and offers the frame
/// to the scheduler when a task is due (interval passed, motion seen, GPIO fired). Frames no task needs
/// are counted as gated. Motion on/off edges (with OffDelaySeconds hold) go to the motion publishers.
/// </summary>
internal sealed class GateService(
    CameraRegistry cameras,
    Signal signal,
    IEnumerable<IMotionStatePublisher> motionPublishers,
    Pipeline.StageLatencies latencies,
    TimeProvider time,
    ILogger<GateService> logger) : BackgroundService
{
    private readonly IMotionStatePublisher[] _motionPublishers = [.. motionPublishers];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(cameras.Cameras.Where(c => c.Options.Enabled).Select(c => RunCameraAsync(c, stoppingToken)));

    private async Task RunCameraAsync(CameraRuntime camera, CancellationToken cancellationToken)
    {
        var detector = new MotionDetector(camera.Options.Motion);
        var frame = new FrameBuffer();
        var offDelay = TimeSpan.FromSeconds(camera.Options.Motion.OffDelaySeconds);
        DateTimeOffset lastMotion = default;
        try
        {
            while (true)
            {
                await camera.Slot.TakeAsync(frame, cancellationToken).ConfigureAwait(false);
                var started = time.GetTimestamp();
                var motion = detector.Detect(frame);
                if (motion)
                    lastMotion = frame.Timestamp;
                var active = motion || (lastMotion != default && frame.Timestamp - lastMotion < offDelay);
                if (camera.SetMotion(active))
                    PublishMotion(camera.Name, active);
                if (TriggerGate.Offer(camera, frame, motion))
                    signal.Set();
                latencies.Record("gate", time.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void PublishMotion(string camera, bool active)
    {
        logger.LogDebug("Camera {Camera}: motion {State}", camera, active ? "on" : "off");
        foreach (var publisher in _motionPublishers)
        {
            try
            {
                publisher.MotionChanged(camera, active);
            }
#pragma warning disable CA1031 // A dashboard notification must never stop the gate.
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogWarning(e, "Motion publisher {Publisher} failed", publisher.GetType().Name);
            }
        }
    }
}
