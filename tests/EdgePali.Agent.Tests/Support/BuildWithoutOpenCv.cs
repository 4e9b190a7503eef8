using System.Diagnostics;

namespace EdgePali.Agent.Tests.Support;

/// <summary>
/// The built programs (`edgepali`, `edgepali-quantize`) in a folder of their own without libOpenCvSharpExtern.so,
/// as on a board where OpenCvSharp's native library was never installed: the loader cannot find it anywhere.
/// Files are hard links (cp -al) to the build output, so the copy is instant and small.
/// </summary>
public sealed class BuildWithoutOpenCv : IDisposable
{
    private readonly TestDirectory _directory = new();

    public BuildWithoutOpenCv()
    {
        Folder = Path.Combine(_directory.Path, "app");
        ProcessRunner.RunAsync("cp", ["-al", AppContext.BaseDirectory.TrimEnd('/'), Folder], TimeSpan.FromMinutes(2)).GetAwaiter().GetResult().EnsureSuccess();

        var removed = Directory.EnumerateFiles(Folder, "libOpenCvSharpExtern*", SearchOption.AllDirectories).ToList();
        if (removed.Count == 0)
            throw new InvalidOperationException("The build output holds no libOpenCvSharpExtern.so: nothing to hide, so the test would prove nothing.");
        foreach (var file in removed)
            File.Delete(file);
    }

    /// <summary>The folder holding the programs, without OpenCV's native library.</summary>
    public string Folder { get; }

    public string Edgepali => Path.Combine(Folder, "edgepali");

    public string Quantize => Path.Combine(Folder, "edgepali-quantize");

    public void Dispose() => _directory.Dispose();

    /// <summary>Runs a program to its end; returns the exit code, stdout and stderr.</summary>
    public static async Task<(int Code, string Output, string Errors)> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var run = await ProcessRunner.RunAsync(program, arguments, timeout);
        return (run.ExitCode, run.Stdout, run.Stderr);
    }
}
