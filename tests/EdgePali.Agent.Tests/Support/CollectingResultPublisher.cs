using System.Collections.Concurrent;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;

namespace EdgePali.Agent.Tests.Support;

/// <summary>A result publisher that keeps what it is given, in order, for assertions.</summary>
public sealed class CollectingResultPublisher : IResultPublisher
{
    public ConcurrentQueue<PublishedResult> Results { get; } = new();

    public ValueTask PublishAsync(PublishedResult result, CancellationToken cancellationToken)
    {
        Results.Enqueue(result);
        return ValueTask.CompletedTask;
    }
}
