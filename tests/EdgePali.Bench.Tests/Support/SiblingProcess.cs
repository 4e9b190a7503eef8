using System.Diagnostics;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Bench.Tests.Support;

/// <summary>Runs a program built into this test's output folder (`edgepali-bench`, or `edgepali` for its bench verb) as its own process.</summary>
internal static class SiblingProcess
{
    public static async Task<FinishedProcess> RunAsync(string program, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, program + ".dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return await ProcessRunner.RunAsync(start, TimeSpan.FromMinutes(5));
    }
}
