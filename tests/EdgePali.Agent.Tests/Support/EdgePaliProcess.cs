using System.Diagnostics;

namespace EdgePali.Agent.Tests.Support;

/// <summary>Runs the built `edgepali` as a separate process (its own console, memory and exit code).</summary>
internal static class EdgePaliProcess
{
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edgepali.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        var run = await ProcessRunner.RunAsync(start, TimeSpan.FromMinutes(5));
        return (run.ExitCode, run.Stdout, run.Stderr);
    }
}
