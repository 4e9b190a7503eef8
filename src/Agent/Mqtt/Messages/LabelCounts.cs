namespace EdgePali.Agent.Mqtt.Messages;

/// <summary>
/// One camera's objects-per-label for the retained counts topic, at most <see cref="MaxLabels"/> labels.
/// A detect/segment task may report labels it was never asked for (the model can name anything), so keeping
/// every label ever seen would grow without end. Labels are evicted least-recently-updated first: the labels a
/// task asks for are updated by every result of that task (0 when not seen) and so stay, while a label the model
/// made up once ages out. This keeps the topic's meaning ("the latest count of each label") for every label a
/// dashboard can bind to, which a plain "only requested labels" filter would not for labels found unasked.
/// </summary>
internal sealed class LabelCounts
{
    /// <summary>Most labels kept per camera: well above 16 tasks' worth of requested labels in practice.</summary>
    public const int MaxLabels = 128;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (int Count, long Updated)> _counts = new(StringComparer.Ordinal);
    private long _updates;

    public int Count
    {
        get
        {
            lock (_lock)
                return _counts.Count;
        }
    }

    /// <summary>Records the counts of one result and returns a copy of all kept counts.</summary>
    public Dictionary<string, int> Update(IReadOnlyDictionary<string, int> latest)
    {
        ArgumentNullException.ThrowIfNull(latest);
        lock (_lock)
        {
            foreach (var (label, count) in latest)
                _counts[label] = (count, ++_updates);

            // Rare (only after MaxLabels distinct labels), so a scan is cheaper than keeping an ordered index.
            while (_counts.Count > MaxLabels)
                _counts.Remove(_counts.MinBy(c => c.Value.Updated).Key);

            return _counts.ToDictionary(c => c.Key, c => c.Value.Count, StringComparer.Ordinal);
        }
    }
}
