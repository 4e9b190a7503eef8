using System.Globalization;

namespace EdgePali.Agent.Capture;

/// <summary>A parsed Source setting.</summary>
/// <param name="Kind">What it points at.</param>
/// <param name="Location">The device path, URL or file path.</param>
/// <param name="DeviceIndex">For devices: N of /dev/videoN, or -1 for other device paths.</param>
public sealed record CameraSource(CameraSourceKind Kind, string Location, int DeviceIndex)
{
    public const string TestPatternName = "testpattern";

    /// <summary>Parses a Source setting; never throws (unknown text is taken as a file path).</summary>
    public static CameraSource Parse(string source)
    {
        var text = source.Trim();
        if (text.Equals(TestPatternName, StringComparison.OrdinalIgnoreCase))
            return new CameraSource(CameraSourceKind.TestPattern, TestPatternName, -1);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            return new CameraSource(CameraSourceKind.Device, $"/dev/video{index}", index);
        if (text.StartsWith("/dev/", StringComparison.Ordinal))
        {
            var digits = text.StartsWith("/dev/video", StringComparison.Ordinal) ? text["/dev/video".Length..] : "";
            return new CameraSource(CameraSourceKind.Device, text, int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1);
        }

        if (text.Contains("://", StringComparison.Ordinal))
            return new CameraSource(CameraSourceKind.Url, text, -1);
        return new CameraSource(CameraSourceKind.File, text, -1);
    }

    /// <summary>The location with any password in a URL replaced, for logs and stats.</summary>
    public string Redacted
    {
        get
        {
            if (Kind != CameraSourceKind.Url || !Uri.TryCreate(Location, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.UserInfo))
                return Location;
            var user = uri.UserInfo.Split(':')[0];
            return Location.Replace(uri.UserInfo, user + ":***", StringComparison.Ordinal);
        }
    }
}
