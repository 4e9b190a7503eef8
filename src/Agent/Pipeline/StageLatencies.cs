namespace EdgePali.Agent.Pipeline;

/// <summary>Recent mean milliseconds per pipeline stage (exponential moving average), for the stats; each time also goes to the /metrics histogram.</summary>
internal sealed class StageLatencies(IStageDurationObserver? observer = null)
{
    private const double Weight = 0.2;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, double> _means = new(StringComparer.Ordinal);

    public void Record(string stage, double milliseconds)
    {
        observer?.ObserveStage(stage, milliseconds);
        lock (_lock)
            _means[stage] = _means.TryGetValue(stage, out var mean) ? mean + (Weight * (milliseconds - mean)) : milliseconds;
    }

    public IReadOnlyDictionary<string, double> Snapshot()
    {
        lock (_lock)
            return new Dictionary<string, double>(_means, StringComparer.Ordinal);
    }
}
