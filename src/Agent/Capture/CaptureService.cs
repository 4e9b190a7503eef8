using EdgePali.Agent.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Capture;

/// <summary>The Capture stage: one <see cref="CameraCapture"/> per enabled camera.</summary>
internal sealed class CaptureService(CameraRegistry cameras, IFrameSourceFactory factory, PipelineHealth health, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger<CaptureService>();
        foreach (var camera in cameras.Cameras.Where(c => !c.Options.Enabled))
            logger.LogInformation("Camera {Camera} is disabled in the configuration", camera.Name);
        return Task.WhenAll(cameras.Cameras
            .Where(c => c.Options.Enabled)
            .Select(c => new CameraCapture(c, factory, health.WatchLoop($"capture loop of camera '{c.Name}'"), time, logger).RunAsync(stoppingToken)));
    }
}
