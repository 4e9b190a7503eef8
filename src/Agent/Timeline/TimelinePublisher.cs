using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;

namespace EdgePali.Agent.Timeline;

/// <summary>The Publish stage's hand-off to the status page (newest results) and, when on, the timeline database.</summary>
internal sealed class TimelinePublisher(LatestResults latest, TimelineStore? store) : IResultPublisher, IResultSearch
{
    public bool Enabled => store is not null;

    public ValueTask PublishAsync(PublishedResult result, CancellationToken cancellationToken)
    {
        latest.Record(result);
        store?.Add(result);
        return ValueTask.CompletedTask;
    }

    public IReadOnlyList<TimelineEntry> Search(string? query, string? camera, int limit) =>
        store?.Search(query, camera, limit) ?? [];
}
