namespace EdgePali.Agent.Mqtt.Queue;

/// <summary>The offline queue's figures for the stats message.</summary>
/// <param name="Messages">Messages waiting.</param>
/// <param name="Bytes">Bytes waiting (record bytes on disk).</param>
/// <param name="Dropped">Oldest messages dropped because the queue was full, since the queue was created (persisted).</param>
/// <param name="Corrupt">Records found damaged on disk at start and skipped, since this process started.</param>
public readonly record struct OfflineQueueCounters(long Messages, long Bytes, long Dropped, long Corrupt);
