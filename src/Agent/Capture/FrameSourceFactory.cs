using EdgePali.Agent.Options;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Capture;

/// <summary>
/// Chooses the backend: the test pattern for "testpattern", OpenCV for everything else, and the managed
/// V4L2 backend for devices when configured ("v4l2") or when "auto" finds OpenCvSharp's native library
/// missing.
/// </summary>
public sealed class FrameSourceFactory(TimeProvider time, ILogger<FrameSourceFactory> logger) : IFrameSourceFactory
{
    private readonly Lazy<bool> _openCvAvailable = new(() => OpenCvProbe.IsAvailable(out _));

    public IFrameSource Create(CameraOptions camera)
    {
        var source = CameraSource.Parse(camera.Source);
        if (source.Kind == CameraSourceKind.TestPattern)
            return new TestPatternFrameSource(camera.Width, camera.Height, time);
        var useV4l2 = camera.Backend == "v4l2" || (camera.Backend == "auto" && source.Kind == CameraSourceKind.Device && !_openCvAvailable.Value);
        if (useV4l2)
        {
            if (camera.Backend == "auto")
                logger.LogInformation("Camera {Camera}: OpenCvSharp's native library is not available; using the managed V4L2 backend", camera.Name);
            return new V4l2FrameSource(source, camera.Width, camera.Height);
        }

        if (!_openCvAvailable.Value)
        {
            OpenCvProbe.IsAvailable(out var problem);
            throw new CameraSourceException($"OpenCV is needed for '{source.Redacted}' but its native library cannot be loaded ({problem}). Install OpenCvSharpExtern (docs/deploy.md), or for a /dev/video device set Backend=v4l2.");
        }

        return new OpenCvFrameSource(source, camera.Width, camera.Height, camera.Fps, camera.Loop);
    }
}
