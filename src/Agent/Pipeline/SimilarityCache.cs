using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Pipeline;

/// <summary>
/// The last feature vector and result per task, for the feature-similarity gate (2-36 MiB each). Held only for tasks
/// that are scheduled now, so its size is bounded by the task count: removed or renamed tasks drop their entry when
/// the settings change. Not thread-safe: <see cref="CameraRuntime"/> guards it with the schedule's lock.
/// </summary>
internal sealed class SimilarityCache
{
    private readonly Dictionary<string, (float[] Features, AnalysisResult Result)> _last = new(StringComparer.Ordinal);

    public int Count => _last.Count;

    public bool TryGet(string taskName, out (float[] Features, AnalysisResult Result) last) => _last.TryGetValue(taskName, out last);

    public void Set(string taskName, float[] features, AnalysisResult result) => _last[taskName] = (features, result);

    /// <summary>Forgets every task not in <paramref name="taskNames"/>.</summary>
    public void Retain(IReadOnlySet<string> taskNames)
    {
        foreach (var stale in _last.Keys.Where(name => !taskNames.Contains(name)).ToList())
            _last.Remove(stale);
    }
}
