using System.Globalization;

namespace EdgePali.Agent.Options;

/// <summary>A parsed Source setting.</summary>
/// <param name="Kind">What it points at.</param>
/// <param name="Location">The device path, URL or file path.</param>
/// <param name="DeviceIndex">For devices: N of /dev/videoN, or -1 for other device paths.</param>
public sealed partial record CameraSource(CameraSourceKind Kind, string Location, int DeviceIndex)
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

    /// <summary>The location with any password replaced, for logs, stats and error messages.</summary>
    public string Redacted => Redact(Location);

    /// <summary>
    /// <paramref name="source"/> with the password of `scheme://user:password@host` and of `password=`/`pwd=`/`pass=`
    /// query parameters replaced by `***`. Written by hand, not with <see cref="Uri"/>: a password with an unescaped
    /// `@`, `#` or `/` (common in camera passwords) makes Uri fail or split it in the wrong place, and a source that
    /// does not parse must still not be shown with its password.
    /// </summary>
    public static string Redact(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var text = QueryPassword().Replace(source, "$1***");
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        var start = scheme < 0 ? 0 : scheme + 3;
        var at = text.LastIndexOf('@');
        if (at <= start)
            return text;
        var colon = text.IndexOf(':', start, at - start);
        return colon < 0 ? text : string.Concat(text.AsSpan(0, colon + 1), "***", text.AsSpan(at));
    }

    [System.Text.RegularExpressions.GeneratedRegex("(?i)([?&;](?:password|passwd|pwd|pass)=)[^&;]*")]
    private static partial System.Text.RegularExpressions.Regex QueryPassword();
}
