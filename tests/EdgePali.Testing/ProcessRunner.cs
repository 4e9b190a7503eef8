using System.Diagnostics;
using System.Text;

namespace EdgePali.Testing;

/// <summary>What a finished child process printed and returned.</summary>
public sealed record FinishedProcess(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The program and its arguments, for failure messages.</summary>
    public string CommandLine { get; init; } = "";

    /// <summary>
    /// Returns this process if it exited with 0, else throws naming the command, its exit code, what it printed and
    /// <paramref name="hint"/> (what to install or run when it fails).
    /// </summary>
    public FinishedProcess EnsureSuccess(string? hint = null) =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"{CommandLine} failed{(hint is null ? "" : $" ({hint})")}: {this}");

    /// <summary>Everything it printed, for assertion messages.</summary>
    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// Runs a program (Node reference scripts, Python/Pillow, the built dotnet programs, system tools) to its end with a
/// deadline, capturing its output in UTF-8; kills it and its children when the deadline passes.
/// </summary>
public static class ProcessRunner
{
    /// <summary>Debian's interpreter is the one python3-pil and python3-numpy are installed for (./test.sh installs them); a python3 earlier on PATH (pyenv, venv) may lack them.</summary>
    public static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>The dotnet host that runs these tests (set by `dotnet test`), so child programs use the same runtime.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    public static async Task<FinishedProcess> RunAsync(ProcessStartInfo start, TimeSpan deadline, string? stdin = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = stdin is not null;
        start.StandardOutputEncoding = Encoding.UTF8;
        start.StandardErrorEncoding = Encoding.UTF8;
        start.UseShellExecute = false;
        var commandLine = string.Join(' ', [start.FileName, .. start.ArgumentList]);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (stdin is not null)
        {
            using var input = new StreamWriter(process.StandardInput.BaseStream, new UTF8Encoding(false));
            await input.WriteAsync(stdin).ConfigureAwait(false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            var printed = $"\nstdout:\n{await stdout.ConfigureAwait(false)}\nstderr:\n{await stderr.ConfigureAwait(false)}";
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"{commandLine} was cancelled:{printed}", cancellationToken);
            }

            throw new TimeoutException($"{commandLine} did not finish within {deadline}:{printed}");
        }

        return new FinishedProcess(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false)) { CommandLine = commandLine };
    }

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/> (no shell quoting involved).</summary>
    public static Task<FinishedProcess> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan deadline,
        string? workingDirectory = null, string? stdin = null, CancellationToken cancellationToken = default) =>
        RunAsync(Start(fileName, arguments, workingDirectory), deadline, stdin, cancellationToken);

    /// <summary>Runs a Node script of tests/conformance (the pinned transformers.js and tokenizer references) in that folder.</summary>
    public static Task<FinishedProcess> RunNodeAsync(string script, IEnumerable<string> arguments, TimeSpan deadline,
        string? stdin = null, CancellationToken cancellationToken = default) =>
        RunAsync("node", [script, .. arguments], deadline, RepositoryPaths.Conformance, stdin, cancellationToken);

    /// <summary>Runs a Python script with the interpreter Pillow and numpy are installed for (<see cref="Python"/>).</summary>
    public static Task<FinishedProcess> RunPythonAsync(string script, IEnumerable<string> arguments, TimeSpan deadline,
        CancellationToken cancellationToken = default) =>
        RunAsync(Python, [script, .. arguments], deadline, RepositoryPaths.Conformance, cancellationToken: cancellationToken);

    /// <summary>Runs a .NET program built into the test's output folder (<c>name.dll</c>) with the test's dotnet host.</summary>
    public static Task<FinishedProcess> RunDotnetAsync(string program, IEnumerable<string> arguments, TimeSpan deadline,
        string? workingDirectory = null, CancellationToken cancellationToken = default) =>
        RunAsync(Dotnet, [RepositoryPaths.BesideTests(program + ".dll"), .. arguments], deadline, workingDirectory, cancellationToken: cancellationToken);

    /// <summary>A start description for <paramref name="fileName"/> with each argument passed as is.</summary>
    public static ProcessStartInfo Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName);
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
