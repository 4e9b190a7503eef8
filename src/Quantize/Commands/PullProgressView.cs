using System.Collections.Concurrent;
using EdgePali.Quantize.Hub;
using Spectre.Console;

namespace EdgePali.Quantize.Commands;

/// <summary>
/// Shows a pull as Spectre.Console progress bars: one per file with bytes, percentage, transfer speed and ETA;
/// retries and restarts as lines above the bars. Downloads run in parallel, so lines are written under a lock.
/// </summary>
internal sealed class PullProgressView : IPullProgress
{
    private readonly ProgressContext _context;
    private readonly IAnsiConsole _console;
    private readonly ConcurrentDictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
    private readonly Lock _lines = new();

    public PullProgressView(ProgressContext context, IAnsiConsole console)
    {
        _context = context;
        _console = console;
    }

    public static ProgressColumn[] Columns() =>
    [
        new TaskDescriptionColumn { Alignment = Justify.Left },
        new ProgressBarColumn(),
        new PercentageColumn(),
        new DownloadedColumn(),
        new TransferSpeedColumn(),
        new RemainingTimeColumn(),
        new SpinnerColumn(),
    ];

    public void Resolved(HubSnapshot snapshot, IReadOnlyList<HubFile> selected)
    {
        var total = ByteSize.Format(selected.Sum(f => f.Size));
        var gated = snapshot.Gated is null ? "" : " (gated)";
        Line($"[bold]{Markup.Escape(snapshot.Repo.Value)}[/]{gated} '{Markup.Escape(snapshot.RequestedRevision)}' is commit " +
             $"[blue]{snapshot.Commit}[/]: {selected.Count} of {snapshot.Files.Count} files, {total}");
    }

    public void FileStarted(HubFile file, long bytesPresent)
    {
        var task = Task(file);
        task.Value = bytesPresent;
        if (bytesPresent > 0)
            Line($"[grey]{Markup.Escape(file.Path)}: resuming at {ByteSize.Format(bytesPresent)}[/]");
    }

    public void BytesReceived(HubFile file, long count) => Task(file).Increment(count);

    public void FileRestarted(HubFile file, string reason)
    {
        Task(file).Value = 0;
        Line($"[yellow]{Markup.Escape(file.Path)}: {Markup.Escape(reason)}[/]");
    }

    public void Retrying(HubFile? file, string reason, int attempt, TimeSpan delay) =>
        Line($"[yellow]{Markup.Escape(file?.Path ?? "file list")}: {Markup.Escape(reason)}; retry {attempt} in {delay.TotalSeconds:0.#} s[/]");

    public void FileCompleted(HubFile file, bool alreadyPresent)
    {
        var task = Task(file);
        task.Value = task.MaxValue;
        if (alreadyPresent)
            task.Description = $"{Markup.Escape(file.Path)} [grey](already here, verified)[/]";
        task.StopTask();
    }

    public void FileFailed(HubFile file, string reason)
    {
        var task = Task(file);
        task.Description = $"[red]{Markup.Escape(file.Path)} (failed)[/]";
        task.StopTask();
    }

    private ProgressTask Task(HubFile file) =>
        // An empty file still gets a bar that can show 100 %: a maximum of 0 would read as never finished.
        _tasks.GetOrAdd(file.Path, _ => _context.AddTask(Markup.Escape(file.Path), autoStart: true, maxValue: Math.Max(1, file.Size)));

    private void Line(string markup)
    {
        lock (_lines)
            _console.MarkupLine(markup);
    }
}
