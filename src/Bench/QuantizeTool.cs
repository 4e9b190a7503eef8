using System.Diagnostics;
using EdgePali.Shared;

namespace EdgePali.Bench;

/// <summary>
/// The `edgepali-quantize` executable, run as a separate process. The bench does not reference the graph
/// builder (an offline tool with its own dependencies), so it builds its default package the way a user
/// would: by running the tool.
/// Looked for next to the edgepali-bench binary (a published install, or a test's output folder), then in the
/// repository's Release and Debug build output.
/// </summary>
public sealed class QuantizeTool
{
    private const string Name = "edgepali-quantize";

    private readonly DotnetProgram _program;

    private QuantizeTool(DotnetProgram program) => _program = program;

    /// <summary>Finds the tool or explains where it was looked for and how to build it.</summary>
    /// <exception cref="FileNotFoundException">Not found anywhere.</exception>
    public static QuantizeTool Locate()
    {
        var searched = new List<string>();
        foreach (var dir in CandidateFolders())
        {
            searched.Add(dir);
            if (DotnetProgram.FindIn(dir, Name) is { } program)
            {
                return new QuantizeTool(program);
            }
        }

        throw new FileNotFoundException(
            $"The default benchmark package is built with {Name}, which was not found (looked in: {string.Join(", ", searched.Distinct())}). " +
            $"Build it with `dotnet build src/Quantize -c Release`, or pass --model with an existing package folder.");
    }

    /// <summary>
    /// Runs the tool with <paramref name="arguments"/>. Its output goes to <paramref name="output"/> line by line
    /// when given (e.g. stderr, so --json keeps stdout clean); otherwise it inherits the console (progress bars).
    /// </summary>
    /// <exception cref="InvalidOperationException">The tool failed; the message has its exit code.</exception>
    public async Task RunAsync(IReadOnlyList<string> arguments, TextWriter? output, CancellationToken cancellationToken)
    {
        var start = _program.StartInfo(arguments);
        start.RedirectStandardOutput = output is not null;
        start.RedirectStandardError = output is not null;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_program.FileName}.");
        if (output is not null)
        {
            process.OutputDataReceived += (_, e) => Forward(output, e.Data);
            process.ErrorDataReceived += (_, e) => Forward(output, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Name} {string.Join(' ', arguments)} failed with exit code {process.ExitCode} (its output is above).");
        }
    }

    private static void Forward(TextWriter output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.WriteLine(line);
            }
        }
    }

    private static IEnumerable<string> CandidateFolders()
    {
        yield return AppContext.BaseDirectory;
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (var configuration in new[] { "Release", "Debug" })
                {
                    var candidate = Path.Combine(dir.FullName, "src", "Quantize", "bin", configuration, "net10.0");
                    if (Directory.Exists(candidate))
                    {
                        yield return candidate;
                    }
                }
            }
        }
    }
}
