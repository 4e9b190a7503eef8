namespace EdgePali.Agent.Timeline;

/// <summary>Search over the results timeline, for the MQTT `search` command and the HTTP API.</summary>
public interface IResultSearch
{
    /// <summary>False when the timeline is off (Timeline:Enabled = false): searches find nothing.</summary>
    bool Enabled { get; }

    /// <inheritdoc cref="TimelineStore.Search"/>
    IReadOnlyList<TimelineEntry> Search(string? query, string? camera, int limit);
}
