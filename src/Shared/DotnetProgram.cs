using System.Diagnostics;

namespace EdgePali.Shared;

/// <summary>
/// One of EdgePali's executables found in a folder: its apphost, or, where only its .dll is there (a build or test
/// output without the apphost), the .dll run by the dotnet host. Compiled into `edgepali` (which starts
/// `edgepali-bench` for `edgepali bench`) and `edgepali-bench` (which starts `edgepali-quantize`) as a linked source file.
/// </summary>
/// <param name="FileName">What is started: the apphost, or the dotnet host when only the .dll was found.</param>
/// <param name="Dll">The program's .dll passed to the dotnet host when there is no apphost.</param>
internal sealed record DotnetProgram(string FileName, string? Dll)
{
    /// <summary>The program <paramref name="name"/> (assembly name, e.g. `edgepali-bench`) in <paramref name="folder"/>, or null.</summary>
    public static DotnetProgram? FindIn(string folder, string name)
    {
        var apphost = Path.Combine(folder, OperatingSystem.IsWindows() ? name + ".exe" : name);
        if (File.Exists(apphost))
        {
            return new DotnetProgram(apphost, null);
        }

        var dll = Path.Combine(folder, name + ".dll");
        return File.Exists(dll) ? new DotnetProgram(DotnetHost(), dll) : null;
    }

    /// <summary>How to start it with <paramref name="arguments"/>, each passed as one argument (no shell quoting).</summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(FileName) { UseShellExecute = false };
        if (Dll is not null)
        {
            start.ArgumentList.Add(Dll);
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        return start;
    }

    /// <summary>The dotnet host running us (DOTNET_HOST_PATH when set by the SDK), else `dotnet` from PATH.</summary>
    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
