using EdgePali.Agent.Options;
using EdgePali.Shared;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Capture;

/// <summary>
/// Chooses the backend: the test pattern for "testpattern", OpenCV for everything else, and the managed
/// V4L2 backend for devices when configured ("v4l2") or when "auto" finds OpenCvSharp's native library
/// missing. Neither the test pattern nor the V4L2 backend touches OpenCV.
/// </summary>
public sealed class FrameSourceFactory(TimeProvider time, ILogger<FrameSourceFactory> logger) : IFrameSourceFactory
{
    public IFrameSource Create(CameraOptions camera)
    {
        var source = CameraSource.Parse(camera.Source);
        switch (Choose(camera, source))
        {
            case Backend.TestPattern:
                return new TestPatternFrameSource(camera.Width, camera.Height, time);
            case Backend.V4l2:
                if (camera.Backend == "auto")
                    logger.LogInformation("Camera {Camera}: OpenCvSharp's native library is not available; using the managed V4L2 backend", camera.Name);
                return new V4l2FrameSource(source, camera.Width, camera.Height);
            default:
                if (!OpenCvNative.IsAvailable)
                    throw new CameraSourceException(Unavailable(source));
                return new OpenCvFrameSource(source, camera.Width, camera.Height, camera.Fps, camera.Loop);
        }
    }

    public string? CheckBackend(CameraOptions camera)
    {
        var source = CameraSource.Parse(camera.Source);
        return Choose(camera, source) == Backend.OpenCv && !OpenCvNative.IsAvailable ? Unavailable(source) : null;
    }

    private static Backend Choose(CameraOptions camera, CameraSource source)
    {
        if (source.Kind == CameraSourceKind.TestPattern)
            return Backend.TestPattern;
        var useV4l2 = camera.Backend == "v4l2" || (camera.Backend == "auto" && source.Kind == CameraSourceKind.Device && !OpenCvNative.IsAvailable);
        return useV4l2 ? Backend.V4l2 : Backend.OpenCv;
    }

    private static string Unavailable(CameraSource source)
    {
        var alternative = source.Kind == CameraSourceKind.Device ? " For a /dev/video device, Backend=v4l2 needs no OpenCV." : "";
        return OpenCvNative.Explain($"'{source.Redacted}'") + alternative;
    }

    private enum Backend
    {
        TestPattern,
        V4l2,
        OpenCv,
    }
}
