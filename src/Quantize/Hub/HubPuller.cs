using System.Collections.Concurrent;

namespace EdgePali.Quantize.Hub;

/// <summary>
/// Pulls a repository from the Hub into a folder: resolves the revision to one commit, lists and selects files,
/// checks the disk has room, downloads the missing files in parallel (each resumable and verified, see
/// <see cref="FileDownloader"/>) and pins the commit in <see cref="PullRecord.FileName"/>. Re-running the same
/// pull finishes an interrupted one and leaves verified files untouched.
/// </summary>
internal static class HubPuller
{
    public static async Task<PullResult> PullAsync(PullOptions options, IPullProgress progress, CancellationToken cancellationToken,
        HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        using var client = new HubClient(options.Endpoint, options.Token, options.Retry, options.ResponseTimeout, handler)
        {
            OnRetry = (reason, attempt, delay) => progress.Retrying(null, reason, attempt, delay),
        };
        var snapshot = await client.GetSnapshotAsync(options.Repo, options.Revision, cancellationToken);
        var selected = Select(snapshot, options.Patterns);
        var outputDirectory = Path.GetFullPath(options.OutputDirectory);
        var targets = selected.Select(file => (File: file, Path: LocalPath(outputDirectory, file, snapshot))).ToList();
        CreateDirectory(outputDirectory);
        EnsureSpace(outputDirectory, targets);
        progress.Resolved(snapshot, selected);

        var downloader = new FileDownloader(client, snapshot, options.Retry, options.StallTimeout, progress);
        var failures = new ConcurrentQueue<HubException>();
        var downloaded = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(targets, parallel, async (target, ct) =>
        {
            try
            {
                if (await downloader.FetchAsync(target.File, target.Path, ct))
                    Interlocked.Increment(ref downloaded);
            }
            catch (HubException e) when (e.Kind is HubErrorKind.ChecksumMismatch or HubErrorKind.EntryNotFound or HubErrorKind.InvalidResponse)
            {
                // A problem with this file only: the others still download. Access, disk and network problems
                // are the same for every file and stop the pull at once (the first exception ends ForEachAsync).
                failures.Enqueue(e);
                progress.FileFailed(target.File, e.Message);
            }
        });

        if (!failures.IsEmpty)
        {
            var count = failures.Count;
            throw new HubException(failures.First().Kind,
                string.Join(Environment.NewLine, failures.Select(f => f.Message)) + Environment.NewLine +
                $"{count} of {targets.Count} files failed; the other files are in place and verified.");
        }

        var record = PullRecord.From(snapshot, options.Endpoint, options.Patterns, selected, DateTimeOffset.UtcNow);
        string recordPath;
        try
        {
            recordPath = await record.WriteAsync(outputDirectory, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HubException(HubErrorKind.LocalIo, $"All files are in place, but the record {PullRecord.FileName} could not be written: {e.Message}", e);
        }

        return new PullResult(snapshot, selected, downloaded, selected.Count - downloaded, recordPath);
    }

    private static List<HubFile> Select(HubSnapshot snapshot, IReadOnlyList<string> patterns)
    {
        var paths = snapshot.Files.Select(f => f.Path).ToList();
        var unmatched = FileGlob.Unmatched(patterns, paths);
        if (unmatched.Count > 0)
        {
            var listing = string.Join(", ", paths.Take(30)) + (paths.Count > 30 ? $", ... ({paths.Count} files)" : "");
            throw new HubException(HubErrorKind.InvalidInput,
                $"--files {string.Join(' ', unmatched.Select(p => $"'{p}'"))} matches no file of {snapshot.Repo} at {snapshot.Commit[..12]}. " +
                $"Patterns are globs ('*' matches across folders, e.g. \"onnx/*_int8*\"). Files there: {listing}");
        }

        return snapshot.Files.Where(f => FileGlob.IsSelected(f.Path, patterns)).ToList();
    }

    /// <summary>Where a repository file goes; a path that would land outside the output folder is refused.</summary>
    private static string LocalPath(string outputDirectory, HubFile file, HubSnapshot snapshot)
    {
        var segments = file.Path.Split('/');
        var unsafePath = file.Path.Contains('\\', StringComparison.Ordinal) || Path.IsPathRooted(file.Path) ||
            segments.Any(s => s is "" or "." or ".." || s.Contains(':', StringComparison.Ordinal));
        var full = Path.GetFullPath(Path.Combine(outputDirectory, Path.Combine(segments)));
        if (unsafePath || !full.StartsWith(outputDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new HubException(HubErrorKind.InvalidResponse, $"{snapshot.Repo} lists a file with an unsafe path ('{file.Path}'); refusing to write outside {outputDirectory}.");
        return full;
    }

    private static void CreateDirectory(string outputDirectory)
    {
        try
        {
            Directory.CreateDirectory(outputDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HubException(HubErrorKind.LocalIo, $"Cannot create the output folder {outputDirectory}: {e.Message}", e);
        }
    }

    /// <summary>Refuses to start a pull that cannot fit, rather than filling the disk halfway through a large file.</summary>
    private static void EnsureSpace(string outputDirectory, IReadOnlyList<(HubFile File, string Path)> targets)
    {
        long needed = 0;
        foreach (var (file, path) in targets)
        {
            var existing = new FileInfo(path);
            if (existing.Exists && existing.Length == file.Size)
                continue;
            var partial = new FileInfo(FileDownloader.PartialPath(path));
            needed += file.Size - (partial.Exists && partial.Length <= file.Size ? partial.Length : 0);
        }

        // On Unix DriveInfo takes any path (statvfs of the folder's filesystem); Windows wants the volume root.
        var drive = new DriveInfo(OperatingSystem.IsWindows() ? Path.GetPathRoot(outputDirectory)! : outputDirectory);
        var free = drive.AvailableFreeSpace;
        if (needed > free)
        {
            throw new HubException(HubErrorKind.DiskFull,
                $"The selected files need {ByteSize.Format(needed)} more, but only {ByteSize.Format(free)} is free on the disk holding {outputDirectory}. " +
                "Free some space, select fewer files with --files, or pull to a larger disk with --out.");
        }
    }
}
