namespace EdgePali.Agent.Mqtt.Queue;

/// <summary>An MQTT message waiting in the offline queue: everything needed to publish it later, unchanged.</summary>
/// <param name="Topic">Full topic name.</param>
/// <param name="Payload">Message body.</param>
/// <param name="QualityOfService">0, 1 or 2.</param>
/// <param name="Retain">The retain flag.</param>
/// <param name="Deferred">It was moved behind younger messages once already because sending it kept failing (see <see cref="OfflineQueue.Defer"/>).</param>
public sealed record QueuedMessage(string Topic, ReadOnlyMemory<byte> Payload, int QualityOfService, bool Retain, bool Deferred = false);

/// <summary>A message at the head of the queue together with its position, which <see cref="OfflineQueue.Acknowledge"/> takes.</summary>
/// <param name="Index">Queue-wide position, increasing by one per appended message.</param>
/// <param name="Message">The message.</param>
public readonly record struct QueuedEntry(long Index, QueuedMessage Message);
