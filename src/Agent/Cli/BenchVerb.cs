using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgePali.Shared;

namespace EdgePali.Agent.Cli;

/// <summary>
/// `edgepali bench ARGS`: starts `edgepali-bench ARGS` from the folder `edgepali` runs from and returns its exit
/// code. The benchmark is its own program (src/Bench) so the worker carries no benchmark code; the verb stays
/// because `edgepali bench` is what the docs and users have typed. It parses nothing itself: every argument,
/// `--help` included, goes to edgepali-bench unchanged.
/// </summary>
internal static class BenchVerb
{
    public const string Name = "bench";

    public const string ProgramName = "edgepali-bench";

    /// <summary>
    /// The entry `edgepali --help` lists. It has no action: <see cref="EdgePaliCli"/> hands `bench ...` to
    /// <see cref="RunAsync"/> before parsing, because System.CommandLine would answer `bench --help` itself.
    /// </summary>
    public static Command Create() =>
        new(Name, $"Run {ProgramName} (installed next to edgepali) with the same arguments: speed, memory and the memory-bandwidth bound; `edgepali bench --help` lists its options (docs/benchmarks.md).");

    /// <summary>Runs edgepali-bench with <paramref name="arguments"/>; it shares this console. Ctrl+C or SIGTERM stops it.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> arguments)
    {
        var folder = AppContext.BaseDirectory;
        if (DotnetProgram.FindIn(folder, ProgramName) is not { } bench)
        {
            await Console.Error.WriteLineAsync(
                $"error: `edgepali bench` runs the separate program {ProgramName}, which is not in {folder}. " +
                $"Publish it into that folder (from the repository: `dotnet publish src/Bench -c Release -o {folder.TrimEnd('/')}`), " +
                $"or run {ProgramName} itself, e.g. `dotnet run --project src/Bench -c Release -- --help` (docs/benchmarks.md, \"Where edgepali-bench lives\").").ConfigureAwait(false);
            return 1;
        }

        using var stop = new CancellationTokenSource();
        // This process ignores Ctrl+C and SIGTERM and stops the bench instead, so the shell gets its prompt back
        // only after the bench has gone (on Ctrl+C the terminal signals the bench too).
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        Process process;
        try
        {
            process = Process.Start(bench.StartInfo(arguments)) ?? throw new Win32Exception($"{bench.FileName} did not start");
        }
        catch (Win32Exception e)
        {
            await Console.Error.WriteLineAsync($"error: could not start {ProgramName} ({bench.FileName}): {e.Message}").ConfigureAwait(false);
            return 1;
        }

        using (process)
        {
            try
            {
                await process.WaitForExitAsync(stop.Token).ConfigureAwait(false);
                return process.ExitCode;
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                return 130;
            }
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
