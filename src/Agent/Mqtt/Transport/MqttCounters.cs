namespace EdgePali.Agent.Mqtt.Transport;

/// <summary>Running MQTT figures for the stats message (thread-safe increments).</summary>
internal sealed class MqttCounters
{
    private long _delivered;
    private long _rejected;
    private long _snapshotsTooLarge;

    /// <summary>Results the broker acknowledged.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Results the broker refused for good (e.g. not authorised for the topic), dropped after logging.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Snapshots that stayed above Mqtt:SnapshotMaxBytes even re-encoded, and were not sent.</summary>
    public long SnapshotsTooLarge => Interlocked.Read(ref _snapshotsTooLarge);

    public void AddDelivered() => Interlocked.Increment(ref _delivered);

    public void AddRejected() => Interlocked.Increment(ref _rejected);

    public void AddSnapshotTooLarge() => Interlocked.Increment(ref _snapshotsTooLarge);
}
