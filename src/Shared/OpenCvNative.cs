using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using OpenCvSharp;

namespace EdgePali.Shared;

/// <summary>
/// Whether OpenCvSharp's native library (libOpenCvSharpExtern.so) loads here, and if not, what to install: the
/// missing system library on x64 (the NuGet build links GTK 3, FFmpeg's dependencies...), the self-built
/// OpenCvSharpExtern on arm64, where no prebuilt one is served. Probed once per process. Compiled into both
/// `edgepali` and `edgepali-quantize` (linked source file), the two programs that use OpenCV.
/// </summary>
internal static partial class OpenCvNative
{
    /// <summary>The section of docs/deploy.md that explains OpenCV on the board.</summary>
    public const string DocSection = "docs/deploy.md, section \"Cameras and OpenCV\"";

    private static readonly Lazy<string?> Problem = new(Probe);

    /// <summary>True when OpenCV's native library loaded.</summary>
    public static bool IsAvailable => Problem.Value is null;

    /// <summary>Why it did not load and what to do (one sentence each), or null when it loaded.</summary>
    public static string? LoadProblem => Problem.Value;

    /// <summary>The message for a user: "{what} needs OpenCV's native library, which cannot be loaded: ... Install ...".</summary>
    public static string Explain(string what) =>
        $"{what} needs OpenCV's native library (libOpenCvSharpExtern.so), which cannot be loaded here: {LoadProblem ?? "it loaded"}";

    /// <summary>The cause and remedy for a loader error text (testable without breaking the machine).</summary>
    internal static string Describe(string loaderMessage, Architecture architecture)
    {
        // dlopen names the first dependency it could not find: "libgtk-3.so.0: cannot open shared object file".
        var missing = MissingLibrary().Matches(loaderMessage)
            .Select(m => m.Groups["lib"].Value)
            .FirstOrDefault(lib => !lib.StartsWith("libOpenCvSharpExtern", StringComparison.Ordinal));
        if (missing is not null)
        {
            var package = missing.StartsWith("libgtk-3", StringComparison.Ordinal) || missing.StartsWith("libgdk-3", StringComparison.Ordinal)
                ? "libgtk-3-0"
                : null;
            return package is not null
                ? $"its system dependency {missing} is missing. Install it: sudo apt-get install {package} ({DocSection})."
                : $"its system dependency {missing} is missing. Install the Debian package that provides it (apt-file search {missing}; {DocSection}).";
        }

        return architecture == Architecture.X64
            ? $"libOpenCvSharpExtern.so is not in the program's folder. Reinstall edgepali (deploy/install.sh ships it for linux-x64; {DocSection})."
            : $"no prebuilt OpenCvSharpExtern exists for linux-{architecture.ToString().ToLowerInvariant()}: build it and copy libOpenCvSharpExtern.so next to the program ({DocSection}).";
    }

    private static string? Probe()
    {
        try
        {
            _ = Cv2.GetVersionString();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException)
        {
            return Describe(e.GetBaseException().Message, RuntimeInformation.ProcessArchitecture);
        }
    }

    [GeneratedRegex(@"(?<lib>lib[\w.+-]+\.so[\w.]*): cannot open shared object file")]
    private static partial Regex MissingLibrary();
}
