using Iot.Device.Media;

namespace EdgePali.Agent.Capture;

/// <summary>
/// Chooses what the managed V4L2 backend asks a device for: YUYV (the one format it converts, and one every UVC
/// webcam offers) at the offered frame size nearest the requested one. A pure function of what the device reports.
/// </summary>
internal static class V4l2FormatNegotiation
{
    /// <summary>The size asked for when the camera's Width/Height are not set.</summary>
    public const uint DefaultWidth = 640;

    /// <inheritdoc cref="DefaultWidth"/>
    public const uint DefaultHeight = 480;

    /// <summary>
    /// The YUYV frame size to capture for a request of <paramref name="width"/> x <paramref name="height"/> (0 x 0: 640 x 480):
    /// the request itself when the device offers it or reports no sizes; otherwise the offered size nearest to it
    /// (sum of the width and height differences; on a tie the larger), a stepwise or continuous range contributing
    /// its closest size on its step grid.
    /// </summary>
    /// <exception cref="CameraSourceException">The device does not offer YUYV.</exception>
    public static (uint Width, uint Height) ChooseSize(string device, IReadOnlyList<VideoPixelFormat> offered, IReadOnlyList<Resolution> yuyvSizes, uint width, uint height)
    {
        ArgumentNullException.ThrowIfNull(offered);
        ArgumentNullException.ThrowIfNull(yuyvSizes);
        if (!offered.Contains(VideoPixelFormat.YUYV))
        {
            var formats = offered.Count == 0 ? "no formats" : string.Join(", ", offered);
            throw new CameraSourceException(
                $"'{device}' does not offer YUYV frames (it offers {formats}); the v4l2 backend converts YUYV only. Use Backend=opencv with OpenCvSharpExtern installed (docs/deploy.md), or another camera.");
        }

        (uint Width, uint Height) wanted = width > 0 && height > 0 ? (width, height) : (DefaultWidth, DefaultHeight);
        if (yuyvSizes.Count == 0)
            return wanted;
        return yuyvSizes
            .Select(r => (Width: Closest(wanted.Width, r.MinWidth, r.MaxWidth, Step(r.Type, r.StepWidth)), Height: Closest(wanted.Height, r.MinHeight, r.MaxHeight, Step(r.Type, r.StepHeight))))
            .OrderBy(s => Math.Abs((long)s.Width - wanted.Width) + Math.Abs((long)s.Height - wanted.Height))
            .ThenByDescending(s => (long)s.Width * s.Height)
            .First();
    }

    private static uint Step(ResolutionType type, uint step) => type switch
    {
        ResolutionType.Discrete => 0,
        ResolutionType.Continuous => 1,
        _ => Math.Max(step, 1),
    };

    /// <summary>The value in min..max on the grid min + k * step nearest to <paramref name="wanted"/>.</summary>
    private static uint Closest(uint wanted, uint min, uint max, uint step)
    {
        if (step == 0 || max <= min)
            return min;
        var clamped = Math.Clamp(wanted, min, max);
        var steps = (uint)Math.Round((clamped - min) / (double)step, MidpointRounding.AwayFromZero);
        return Math.Min(min + (steps * step), max);
    }
}
