using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;

namespace EdgePali.Agent.Timeline;

/// <summary>Each camera's newest result per task and newest annotated snapshot, for the status page (kept in memory).</summary>
internal sealed class LatestResults
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Camera, string Task), PublishedResult> _byTask = [];
    private readonly Dictionary<string, byte[]> _snapshots = new(StringComparer.Ordinal);

    public void Record(PublishedResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        lock (_lock)
        {
            _byTask[(result.Camera, result.TaskName)] = result;
            if (result.SnapshotJpeg is { Length: > 0 } jpeg)
                _snapshots[result.Camera] = jpeg.ToArray();
        }
    }

    public PublishedResult? Find(string camera, string task)
    {
        lock (_lock)
            return _byTask.GetValueOrDefault((camera, task));
    }

    public byte[]? Snapshot(string camera)
    {
        lock (_lock)
            return _snapshots.GetValueOrDefault(camera);
    }
}
