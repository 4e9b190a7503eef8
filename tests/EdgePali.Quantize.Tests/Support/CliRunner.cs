using System.CommandLine;
using Spectre.Console;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>Runs edgepali-quantize sub-commands in-process against a plain, non-interactive console and returns the exit code and output.</summary>
internal static class CliRunner
{
    public static async Task<(int Code, string Output)> RunAsync(Func<IAnsiConsole, Command[]> commands, params string[] args)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });

        // Wide enough that nothing is wrapped: a wrapped token would slip past DoesNotContain checks.
        console.Profile.Width = 1000;
        var root = new RootCommand();
        foreach (var command in commands(console))
            root.Subcommands.Add(command);
        var code = await root.Parse(args).InvokeAsync();
        return (code, writer.ToString());
    }
}
