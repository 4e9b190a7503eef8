using System.Text.Json;
using EdgePali.Agent.Publishing;
using EdgePali.Agent.Tasks;

namespace EdgePali.Agent.Mqtt.Messages;

/// <summary>Writes the camera state (schemas/state.json) and `set` replies (schemas/set-reply.json).</summary>
public static class ControlJson
{
    /// <summary>The retained `{prefix}/{device}/{camera}/state` message.</summary>
    public static byte[] State(CameraSettings settings) => ResultJson.Write(writer => WriteSettings(writer, settings));

    /// <summary>A successful `set` reply carrying the new state.</summary>
    public static byte[] SetAccepted(string? id, CameraSettings settings) => ResultJson.Write(writer =>
    {
        ResultJson.WriteId(writer, id);
        writer.WriteBoolean("ok", true);
        writer.WriteStartObject("state");
        WriteSettings(writer, settings);
        writer.WriteEndObject();
    });

    private static void WriteSettings(Utf8JsonWriter writer, CameraSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        writer.WriteString("camera", settings.Camera);
        writer.WriteBoolean("enabled", settings.Enabled);
        writer.WriteStartArray("tasks");
        foreach (var task in settings.Tasks)
        {
            writer.WriteStartObject();
            writer.WriteString("name", task.Name);
            writer.WriteString("task", task.Kind);
            if (task.Prompt is null)
            {
                writer.WriteNull("prompt");
            }
            else
            {
                writer.WriteString("prompt", task.Prompt);
            }

            writer.WriteStartArray("labels");
            foreach (var label in task.Labels)
            {
                writer.WriteStringValue(label);
            }

            writer.WriteEndArray();
            writer.WriteString("trigger", task.Trigger.ToString().ToLowerInvariant());
            writer.WriteNumber("interval_s", task.Interval.TotalSeconds);
            writer.WriteBoolean("enabled", task.Enabled);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
