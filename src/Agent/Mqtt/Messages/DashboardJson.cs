using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Mqtt.Messages;

/// <summary>The small per-camera messages dashboards bind to: counts (schemas/counts.json) and events (schemas/event.json).</summary>
public static class DashboardJson
{
    /// <summary>`{"person": 2, "car": 0, ...}`: objects per label in the latest detect/segment result that looked for it.</summary>
    public static byte[] Counts(IReadOnlyDictionary<string, int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return ResultJson.Write(writer =>
        {
            foreach (var (label, count) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                writer.WriteNumber(label, count);
            }
        });
    }

    /// <summary>A Home Assistant event-entity message for a detect/segment result with objects.</summary>
    public static byte[] Detection(PublishedResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return ResultJson.Write(writer =>
        {
            writer.WriteString("event_type", "detected");
            writer.WriteNumber("seq", result.Sequence);
            writer.WriteString("ts", ResultJson.Timestamp(result.FrameTimestamp));
            writer.WriteString("task", result.TaskName);
            writer.WriteNumber("count", result.Result.Objects.Count);
            writer.WriteStartArray("labels");
            foreach (var label in result.Result.Objects.Select(o => o.Label).Distinct(StringComparer.Ordinal))
            {
                writer.WriteStringValue(label);
            }

            writer.WriteEndArray();
        });
    }

    /// <summary>Per-label counts of <paramref name="result"/>: every label the task asked for (0 when not seen) plus any other label found.</summary>
    public static Dictionary<string, int> CountByLabel(AnalysisResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var labels = result.Task switch
        {
            DetectTask d => d.Labels,
            SegmentTask s => s.Labels,
            _ => [],
        };
        var counts = labels.ToDictionary(l => l, _ => 0, StringComparer.Ordinal);
        foreach (var obj in result.Objects)
        {
            counts[obj.Label] = counts.GetValueOrDefault(obj.Label) + 1;
        }

        return counts;
    }
}
