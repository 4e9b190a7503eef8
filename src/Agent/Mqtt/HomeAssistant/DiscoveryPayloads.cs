using System.Text;
using System.Text.Json.Nodes;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Tasks;

namespace EdgePali.Agent.Mqtt.HomeAssistant;

/// <summary>
/// Home Assistant device-based discovery payloads (`{discovery}/device/{id}/config`, one HA device per camera):
/// a text sensor per text task (state cut to 255 characters, full text in attributes), a binary_sensor per yes/no
/// answer task (Answer: "yes/no"; on = yes), a count sensor per
/// detect/segment label, a motion binary_sensor, an image entity for the snapshot, an event entity for
/// detections and a button per `command` task (it sends `{"op":"run","name":...}`), all with availability on the agent's status topic. Component ids and unique_ids derive only
/// from device, camera, task and label names, so they are stable across restarts.
/// </summary>
public static class DiscoveryPayloads
{
    /// <summary>The HA device id of a camera: `edgepali_{device}_{camera}` in [A-Za-z0-9_-].</summary>
    public static string DeviceId(string deviceId, string camera) => Slug($"edgepali_{deviceId}_{camera}");

    public static string Topic(string discoveryPrefix, string haDeviceId) => $"{discoveryPrefix}/device/{haDeviceId}/config";

    /// <summary>The components (id -> platform) a camera with <paramref name="settings"/> gets; <paramref name="runButtons"/>: whether `set` op `run` is accepted (Mqtt:Commands).</summary>
    public static Dictionary<string, string> Components(CameraSettings settings, bool runButtons = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var components = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["motion"] = "binary_sensor",
            ["snapshot"] = "image",
        };
        foreach (var task in settings.Tasks)
        {
            if (task.Kind is "detect" or "segment")
            {
                components["detection"] = "event";
                foreach (var label in task.Labels)
                {
                    components["count_" + Slug(label)] = "sensor";
                }
            }
            else if (IsYesNo(task))
            {
                components["yes_" + Slug(task.Name)] = "binary_sensor";
            }
            else
            {
                components["text_" + Slug(task.Name)] = "sensor";
            }

            if (runButtons && task.Trigger == TaskTrigger.Command)
            {
                components["run_" + Slug(task.Name)] = "button";
            }
        }

        return components;
    }

    /// <summary>
    /// The config for one camera. <paramref name="removed"/> (id -> platform) are components published before and
    /// gone now: they are sent with only their platform, which tells Home Assistant to delete them.
    /// </summary>
    public static byte[] Config(MqttTopics topics, string deviceId, CameraSettings settings, IReadOnlyDictionary<string, string> removed, string version, bool runButtons = true)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(removed);
        var haDevice = DeviceId(deviceId, settings.Camera);
        var camera = settings.Camera;
        var components = new JsonObject();
        string UniqueId(string component) => $"{haDevice}_{component}";

        components["motion"] = new JsonObject
        {
            ["p"] = "binary_sensor",
            ["name"] = "Motion",
            ["device_class"] = "motion",
            ["state_topic"] = topics.Motion(camera),
            ["unique_id"] = UniqueId("motion"),
        };
        components["snapshot"] = new JsonObject
        {
            ["p"] = "image",
            ["name"] = "Snapshot",
            ["image_topic"] = topics.Snapshot(camera),
            ["content_type"] = "image/jpeg",
            ["unique_id"] = UniqueId("snapshot"),
        };
        foreach (var task in settings.Tasks)
        {
            if (task.Kind is "detect" or "segment")
            {
                components["detection"] = new JsonObject
                {
                    ["p"] = "event",
                    ["name"] = "Detection",
                    ["state_topic"] = topics.Events(camera),
                    ["event_types"] = new JsonArray("detected"),
                    ["unique_id"] = UniqueId("detection"),
                };
                foreach (var label in task.Labels)
                {
                    var id = "count_" + Slug(label);
                    components[id] = new JsonObject
                    {
                        ["p"] = "sensor",
                        ["name"] = $"{label} count",
                        ["state_topic"] = topics.Counts(camera),
                        ["value_template"] = $"{{{{ value_json[{System.Text.Json.JsonSerializer.Serialize(label)}] | default(0) }}}}",
                        ["state_class"] = "measurement",
                        ["icon"] = "mdi:counter",
                        ["unique_id"] = UniqueId(id),
                    };
                }
            }
            else if (IsYesNo(task))
            {
                // Grounded yes/no: on when the model's answer starts with "yes" (PaliGemma answers "yes" or "no").
                var id = "yes_" + Slug(task.Name);
                var topic = topics.Result(camera, task.Name);
                components[id] = new JsonObject
                {
                    ["p"] = "binary_sensor",
                    ["name"] = task.Name,
                    ["state_topic"] = topic,
                    ["value_template"] = "{{ 'ON' if (value_json.text | trim | lower).startswith('yes') else 'OFF' }}",
                    ["json_attributes_topic"] = topic,
                    ["json_attributes_template"] = "{{ {'text': value_json.text, 'prompt': value_json.prompt, 'ts': value_json.ts, 'seq': value_json.seq} | tojson }}",
                    ["icon"] = "mdi:help-circle-outline",
                    ["unique_id"] = UniqueId(id),
                };
            }
            else
            {
                var id = "text_" + Slug(task.Name);
                var topic = topics.Result(camera, task.Name);
                components[id] = new JsonObject
                {
                    ["p"] = "sensor",
                    ["name"] = task.Name,
                    ["state_topic"] = topic,

                    // Home Assistant refuses states over 255 characters: the state is cut, the whole text is an attribute.
                    ["value_template"] = "{{ value_json.text[:255] }}",
                    ["json_attributes_topic"] = topic,
                    ["json_attributes_template"] = "{{ {'text': value_json.text, 'prompt': value_json.prompt, 'ts': value_json.ts, 'seq': value_json.seq, 'model': value_json.model} | tojson }}",
                    ["icon"] = "mdi:text-box-outline",
                    ["unique_id"] = UniqueId(id),
                };
            }

            if (runButtons && task.Trigger == TaskTrigger.Command)
            {
                // A task that runs only when asked gets a button that asks: the `set` command `run` with its name.
                var id = "run_" + Slug(task.Name);
                components[id] = new JsonObject
                {
                    ["p"] = "button",
                    ["name"] = $"Run {task.Name}",
                    ["command_topic"] = topics.Set(camera),
                    ["payload_press"] = new JsonObject { ["op"] = "run", ["name"] = task.Name }.ToJsonString(),
                    ["icon"] = "mdi:play-circle-outline",
                    ["unique_id"] = UniqueId(id),
                };
            }
        }

        foreach (var (id, platform) in removed)
        {
            if (!components.ContainsKey(id))
            {
                components[id] = new JsonObject { ["p"] = platform };
            }
        }

        var root = new JsonObject
        {
            ["dev"] = new JsonObject
            {
                ["ids"] = new JsonArray(haDevice),
                ["name"] = $"{camera} ({deviceId})",
                ["mf"] = "EdgePali",
                ["mdl"] = "PaliGemma camera",
                ["sw"] = version,
            },
            ["o"] = new JsonObject { ["name"] = "EdgePali", ["sw"] = version },
            ["availability_topic"] = topics.Status,
            ["payload_available"] = "online",
            ["payload_not_available"] = "offline",
            ["qos"] = 1,
            ["cmps"] = components,
        };
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static bool IsYesNo(TaskSettings task) => task.Kind == "answer" && task.Answer == Options.TaskOptions.YesNo;

    /// <summary>Only [A-Za-z0-9_-]; everything else becomes '_' (HA ids and our component ids).</summary>
    public static string Slug(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chars = text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').ToArray();
        return chars.Length == 0 ? "_" : new string(chars);
    }
}
