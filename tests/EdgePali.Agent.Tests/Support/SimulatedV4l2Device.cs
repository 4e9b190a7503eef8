using EdgePali.Agent.Capture;
using Iot.Device.Media;

namespace EdgePali.Agent.Tests.Support;

/// <summary>
/// A fake V4L2 device (no camera exists on the build machine): reports the formats and frame sizes it is given,
/// records the capture format it is asked for, and delivers YUYV frames of one colour at that size (or as the
/// test overrides), or throws as a failing driver does.
/// </summary>
internal sealed class SimulatedV4l2Device(IReadOnlyList<VideoPixelFormat> formats, IReadOnlyList<Resolution> yuyvSizes) : IV4l2Device
{
    /// <summary>The YUYV colour of every pixel (default: pure red in BT.601 limited range).</summary>
    public (byte Y, byte U, byte V) Colour { get; set; } = (81, 90, 240);

    /// <summary>When set, the next captures return this instead of a frame of the requested size.</summary>
    public byte[]? NextFrame { get; set; }

    /// <summary>When set, captures throw this (a driver error).</summary>
    public Exception? CaptureFails { get; set; }

    public (uint Width, uint Height, VideoPixelFormat Format)? Requested { get; private set; }

    public bool Disposed { get; private set; }

    public static Resolution Discrete(uint width, uint height) =>
        new() { Type = ResolutionType.Discrete, MinWidth = width, MaxWidth = width, MinHeight = height, MaxHeight = height };

    public static Resolution Stepwise(uint minWidth, uint maxWidth, uint stepWidth, uint minHeight, uint maxHeight, uint stepHeight) =>
        new() { Type = ResolutionType.Stepwise, MinWidth = minWidth, MaxWidth = maxWidth, StepWidth = stepWidth, MinHeight = minHeight, MaxHeight = maxHeight, StepHeight = stepHeight };

    public IReadOnlyList<VideoPixelFormat> PixelFormats() => formats;

    public IReadOnlyList<Resolution> FrameSizes(VideoPixelFormat format) => format == VideoPixelFormat.YUYV ? yuyvSizes : [];

    public void SetCaptureFormat(uint width, uint height, VideoPixelFormat format) => Requested = (width, height, format);

    public byte[] Capture()
    {
        if (CaptureFails is { } failure)
            throw failure;
        if (NextFrame is { } frame)
            return frame;
        var (width, height, _) = Requested ?? throw new InvalidOperationException("no capture format set");
        var yuyv = new byte[width * height * 2];
        for (var i = 0; i < yuyv.Length; i += 4)
            (yuyv[i], yuyv[i + 1], yuyv[i + 2], yuyv[i + 3]) = (Colour.Y, Colour.U, Colour.Y, Colour.V);
        return yuyv;
    }

    public void Dispose() => Disposed = true;
}
