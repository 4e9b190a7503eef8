using System.Runtime.InteropServices;
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using OpenCvSharp;

namespace EdgePali.Agent.Capture;

/// <summary>
/// OpenCV VideoCapture: V4L2 devices, RTSP/HTTP streams and files (FFmpeg). Frames are converted to
/// BGR24 and, when a resolution is configured and the source does not deliver it, resized; the Mats are
/// reused, so a steady stream allocates nothing per frame.
/// </summary>
public sealed class OpenCvFrameSource(CameraSource source, int width, int height, double fps, bool loop) : IFrameSource
{
    private readonly Mat _grabbed = new();
    private readonly Mat _converted = new();
    private readonly Mat _resized = new();
    private VideoCapture? _capture;
    private long _framesGrabbed;

    public bool IsLive => source.Kind is CameraSourceKind.Device or CameraSourceKind.Url;

    public void Open()
    {
        _capture = source.Kind switch
        {
            CameraSourceKind.Device when source.DeviceIndex >= 0 => new VideoCapture(source.DeviceIndex, VideoCaptureAPIs.V4L2),
            CameraSourceKind.Device => new VideoCapture(source.Location, VideoCaptureAPIs.V4L2),
            CameraSourceKind.Url or CameraSourceKind.File => new VideoCapture(source.Location, VideoCaptureAPIs.FFMPEG),
            _ => throw new CameraSourceException($"OpenCV cannot open source kind {source.Kind}."),
        };
        if (!_capture.IsOpened())
        {
            var why = source.Kind switch
            {
                CameraSourceKind.Device => "the device is missing, busy or not a capture device (check `v4l2-ctl --list-devices` and that the user is in group video)",
                CameraSourceKind.Url => "the stream does not answer or is not a video stream (check the URL, credentials and network)",
                _ => "the file is missing or not a video OpenCV/FFmpeg can decode",
            };
            throw new CameraSourceException($"cannot open '{source.Redacted}': {why}.");
        }

        if (IsLive)
        {
            if (width > 0)
            {
                _capture.Set(VideoCaptureProperties.FrameWidth, width);
                _capture.Set(VideoCaptureProperties.FrameHeight, height);
            }

            if (fps > 0)
                _capture.Set(VideoCaptureProperties.Fps, fps);
            // A one-frame driver queue keeps what we grab close to now (ignored by backends without it).
            _capture.Set(VideoCaptureProperties.BufferSize, 1);
        }
    }

    public bool Grab()
    {
        var capture = _capture ?? throw new InvalidOperationException("Open the source first.");
        if (capture.Grab())
        {
            _framesGrabbed++;
            return true;
        }

        if (source.Kind != CameraSourceKind.File || !loop || _framesGrabbed == 0)
            return false;
        // End of a looping file: rewind. If it still yields nothing the file is broken and the source ends.
        capture.Set(VideoCaptureProperties.PosFrames, 0);
        return capture.Grab();
    }

    public void Retrieve(FrameBuffer target)
    {
        var capture = _capture ?? throw new InvalidOperationException("Open the source first.");
        if (!capture.Retrieve(_grabbed) || _grabbed.Empty())
            throw new CameraSourceException($"'{source.Redacted}' delivered an empty frame.");

        var bgr = _grabbed;
        if (_grabbed.Channels() != 3)
        {
            Cv2.CvtColor(_grabbed, _converted, _grabbed.Channels() == 1 ? ColorConversionCodes.GRAY2BGR : ColorConversionCodes.BGRA2BGR);
            bgr = _converted;
        }

        if (width > 0 && (bgr.Width != width || bgr.Height != height))
        {
            Cv2.Resize(bgr, _resized, new Size(width, height), 0, 0, InterpolationFlags.Area);
            bgr = _resized;
        }

        if (bgr.Depth() != MatType.CV_8U)
            throw new CameraSourceException($"'{source.Redacted}' delivers {bgr.Type()} frames; only 8-bit images are supported.");
        target.SetSize(bgr.Width, bgr.Height);
        var rowBytes = target.Stride;
        if (bgr.IsContinuous())
        {
            Marshal.Copy(bgr.Data, target.Array, 0, target.Length);
            return;
        }

        var rows = bgr.Height;
        for (var y = 0; y < rows; y++)
            Marshal.Copy(bgr.Ptr(y), target.Array, y * rowBytes, rowBytes);
    }

    public void Dispose()
    {
        _capture?.Dispose();
        _grabbed.Dispose();
        _converted.Dispose();
        _resized.Dispose();
    }
}
