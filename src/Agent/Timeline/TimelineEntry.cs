namespace EdgePali.Agent.Timeline;

/// <summary>One stored result: its message as published on MQTT (JSON) and whether a thumbnail is kept.</summary>
public sealed record TimelineEntry(long Sequence, string Camera, string TaskName, DateTimeOffset Timestamp, string Json, bool HasThumbnail);
