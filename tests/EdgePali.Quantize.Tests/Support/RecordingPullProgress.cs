using System.Collections.Concurrent;
using EdgePali.Quantize.Hub;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>Collects what a pull reports, for assertions (a sink, not a stand-in: the pull runs for real).</summary>
internal sealed class RecordingPullProgress : IPullProgress
{
    public ConcurrentQueue<string> Events { get; } = new();

    public ConcurrentDictionary<string, long> BytesByFile { get; } = new(StringComparer.Ordinal);

    public void Resolved(HubSnapshot snapshot, IReadOnlyList<HubFile> selected) => Events.Enqueue($"resolved {snapshot.Commit} {selected.Count}");

    public void FileStarted(HubFile file, long bytesPresent) => Events.Enqueue($"started {file.Path} {bytesPresent}");

    public void BytesReceived(HubFile file, long count) => BytesByFile.AddOrUpdate(file.Path, count, (_, total) => total + count);

    public void FileRestarted(HubFile file, string reason) => Events.Enqueue($"restarted {file.Path}: {reason}");

    public void Retrying(HubFile? file, string reason, int attempt, TimeSpan delay) => Events.Enqueue($"retrying {file?.Path ?? "metadata"}: {reason}");

    public void FileCompleted(HubFile file, bool alreadyPresent) => Events.Enqueue($"{(alreadyPresent ? "present" : "completed")} {file.Path}");

    public void FileFailed(HubFile file, string reason) => Events.Enqueue($"failed {file.Path}: {reason}");
}
