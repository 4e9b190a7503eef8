using System.Diagnostics;

namespace EdgePali.Agent.Tests.Support;

/// <summary>What a finished child process printed and returned.</summary>
public sealed record FinishedProcess(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Everything it printed, for assertion messages.</summary>
    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs a program to its end with a deadline, killing it (and its children) if the deadline passes.</summary>
public static class ProcessRunner
{
    public static async Task<FinishedProcess> RunAsync(ProcessStartInfo start, TimeSpan deadline)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {deadline}:\n{await stdout}\n{await stderr}");
        }

        return new FinishedProcess(process.ExitCode, await stdout, await stderr);
    }
}
