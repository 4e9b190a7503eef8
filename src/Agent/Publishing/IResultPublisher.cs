using EdgePali.Agent.Pipeline;

namespace EdgePali.Agent.Publishing;

/// <summary>
/// The last stage of the pipeline: takes finished analyses and delivers them (MQTT, JSON-lines log, ...).
/// Implementations must not lose a result they accepted: PublishAsync returns once the result is
/// delivered or durably queued.
/// </summary>
public interface IResultPublisher
{
    ValueTask PublishAsync(PublishedResult result, CancellationToken cancellationToken);
}
