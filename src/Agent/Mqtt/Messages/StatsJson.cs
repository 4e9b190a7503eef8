using System.Text.Json;
using EdgePali.Agent.Health;
using EdgePali.Agent.Mqtt.Queue;
using EdgePali.Agent.Publishing;

namespace EdgePali.Agent.Mqtt.Messages;

/// <summary>The MQTT side's figures in the stats message.</summary>
/// <param name="Connected">Connected to the broker now.</param>
/// <param name="Reconnects">Reconnections since start.</param>
/// <param name="Queue">The offline queue.</param>
/// <param name="Delivered">Results acknowledged by the broker since start.</param>
/// <param name="Rejected">Results the broker refused for good since start.</param>
/// <param name="SnapshotsTooLarge">Snapshots not sent because they could not be made small enough.</param>
public sealed record MqttFigures(bool Connected, long Reconnects, OfflineQueueCounters Queue, long Delivered, long Rejected, long SnapshotsTooLarge);

/// <summary>Writes `{prefix}/{device}/stats` (schemas/stats.json): the worker's figures when it provides them, plus MQTT's.</summary>
public static class StatsJson
{
    public static byte[] Write(DateTimeOffset now, string deviceId, AgentStats? agent, MqttFigures mqtt)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        return ResultJson.Write(writer =>
        {
            writer.WriteString("ts", ResultJson.Timestamp(now));
            writer.WriteString("device", deviceId);
            if (agent is not null)
            {
                WriteAgent(writer, agent);
            }

            writer.WriteStartObject("mqtt");
            writer.WriteBoolean("connected", mqtt.Connected);
            writer.WriteNumber("reconnects", mqtt.Reconnects);
            writer.WriteNumber("delivered", mqtt.Delivered);
            writer.WriteNumber("rejected", mqtt.Rejected);
            writer.WriteNumber("snapshots_too_large", mqtt.SnapshotsTooLarge);
            writer.WriteStartObject("queue");
            writer.WriteNumber("messages", mqtt.Queue.Messages);
            writer.WriteNumber("bytes", mqtt.Queue.Bytes);
            writer.WriteNumber("dropped", mqtt.Queue.Dropped);
            writer.WriteNumber("corrupt", mqtt.Queue.Corrupt);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    private static void WriteAgent(Utf8JsonWriter writer, AgentStats agent)
    {
        writer.WriteNumber("uptime_s", Math.Round(agent.Uptime.TotalSeconds, 1));
        writer.WriteNumber("analyses", agent.Analyses);
        writer.WriteNumber("analyses_failed", agent.AnalysesFailed);
        writer.WriteStartObject("stage_latency_ms");
        foreach (var (stage, ms) in agent.StageLatencyMs)
        {
            writer.WriteNumber(stage, Math.Round(ms, 2));
        }

        writer.WriteEndObject();
        writer.WriteStartObject("queue_depths");
        foreach (var (stage, depth) in agent.QueueDepths)
        {
            writer.WriteNumber(stage, depth);
        }

        writer.WriteEndObject();
        if (agent.CpuTemperatureCelsius is { } celsius)
        {
            writer.WriteNumber("cpu_temperature_c", Math.Round(celsius, 1));
        }
        else
        {
            writer.WriteNull("cpu_temperature_c");
        }

        writer.WriteBoolean("throttled", agent.Throttled);
        writer.WriteNumber("rss_bytes", agent.ResidentBytes);
        writer.WriteStartArray("cameras");
        foreach (var camera in agent.Cameras)
        {
            writer.WriteStartObject();
            writer.WriteString("camera", camera.Camera);
            writer.WriteString("state", camera.State);
            writer.WriteNumber("fps", Math.Round(camera.CapturedFps, 2));
            writer.WriteNumber("frames_captured", camera.FramesCaptured);
            writer.WriteNumber("frames_dropped", camera.FramesDropped);
            writer.WriteNumber("frames_gated", camera.FramesGated);
            writer.WriteNumber("analyses", camera.Analyses);
            writer.WriteNumber("analyses_failed", camera.AnalysesFailed);
            writer.WriteBoolean("motion", camera.Motion);
            if (camera.Error is null)
                writer.WriteNull("error");
            else
                writer.WriteString("error", camera.Error);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
