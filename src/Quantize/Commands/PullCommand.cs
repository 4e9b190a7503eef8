using System.CommandLine;
using EdgePali.Quantize.Hub;
using Spectre.Console;

namespace EdgePali.Quantize.Commands;

/// <summary>
/// <c>edgepali-quantize pull REPO</c>: downloads a model repository from the Hugging Face Hub (see
/// <see cref="HubPuller"/>), e.g. <c>pull onnx-community/paligemma2-3b-pt-224 --files "onnx/*_q4*" "*.json"</c>.
/// </summary>
internal static class PullCommand
{
    public static Command Create() => Create(AnsiConsole.Console);

    /// <summary>The command writing to <paramref name="console"/> (tests pass a console that records).</summary>
    public static Command Create(IAnsiConsole console)
    {
        var repo = new Argument<string>("repo") { Description = "The model repository on the Hub, owner/name (e.g. onnx-community/paligemma2-3b-pt-224)." };
        var revision = new Option<string>("--revision", "-r")
        {
            Description = "Branch, tag or commit sha to download; the resolved commit is pinned in " + PullRecord.FileName + ".",
            DefaultValueFactory = _ => "main",
        };
        var files = new Option<string[]>("--files", "-f")
        {
            Description = "Only the files matching these globs ('*' matches across folders), e.g. --files \"onnx/*_int8*\" \"*.json\".",
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string?>("--out", "-o") { Description = "Folder to download into (default: ./NAME, the repository's name)." };
        var tokenFile = new Option<string?>("--token-file")
        {
            Description = "File holding a Hugging Face access token, for gated or private models (default: the HF_TOKEN environment variable).",
        };
        var endpoint = new Option<string?>("--endpoint") { Description = $"Hub URL (default: HF_ENDPOINT, else {HubEndpoint.Default})." };

        var command = new Command("pull", "Download a model repository from the Hugging Face Hub: resumable, verified against the Hub's sha256/size, pinned to a commit.")
        {
            repo, revision, files, output, tokenFile, endpoint,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(console, () =>
        {
            var repoId = HubRepoId.Parse(parse.GetValue(repo)!);
            var tokenPath = parse.GetValue(tokenFile);
            var token = tokenPath is not null ? HubToken.FromFile(tokenPath) : HubToken.FromEnvironment();
            if (token is not null)
                console.MarkupLine($"[grey]Using the access token from {(tokenPath is not null ? Markup.Escape(tokenPath) : "HF_TOKEN")}.[/]");
            return new PullOptions
            {
                Repo = repoId,
                Revision = parse.GetValue(revision) ?? "main",
                Patterns = parse.GetValue(files) ?? [],
                OutputDirectory = parse.GetValue(output) ?? repoId.Name,
                Endpoint = HubEndpoint.Resolve(parse.GetValue(endpoint)),
                Token = token,
            };
        }, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(IAnsiConsole console, Func<PullOptions> readOptions, CancellationToken cancellationToken)
    {
        try
        {
            var options = readOptions();
            var result = await console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(PullProgressView.Columns())
                .StartAsync(context => HubPuller.PullAsync(options, new PullProgressView(context, console), cancellationToken));
            console.MarkupLine(
                $"[green]Pulled[/] {Markup.Escape(result.Snapshot.Repo.Value)} at {result.Snapshot.Commit} into {Markup.Escape(Path.GetFullPath(options.OutputDirectory))}: " +
                $"{result.Downloaded} downloaded, {result.AlreadyPresent} already present, {ByteSize.Format(result.Files.Sum(f => f.Size))} verified. " +
                $"Commit pinned in {Markup.Escape(result.RecordPath)}.");
            return 0;
        }
        catch (HubException e)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            console.MarkupLine("[yellow]Cancelled.[/] Run the same command again to resume: partial downloads are kept.");
            return 130;
        }
    }
}
