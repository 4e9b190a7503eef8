using System.Text.Json;
using EdgePali.Agent.Tasks;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Control;

/// <summary>A parsed command, or the reason it was refused; <see cref="Id"/> is echoed in either case when it could be read.</summary>
public readonly record struct ParsedCommand<T>(string? Id, T? Command, string? Error)
    where T : class;

/// <summary>
/// Pure parsers for the `set` and `ask` payloads (schemas/set.json, schemas/ask.json). Strict: unknown fields,
/// wrong types and out-of-range values are errors that name the field, so a typo is reported, not ignored.
/// </summary>
public static class CommandParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 8 };
    private static readonly string[] TaskFields = ["id", "op", "name", "task", "prompt", "labels", "trigger", "interval_s", "enabled"];
    private static readonly string[] AskFields = ["id", "task", "prompt", "labels"];
    private const string Ops = "enable, disable, add_task, update_task, remove_task, run, reset";

    public static ParsedCommand<SetCommand> ParseSet(ReadOnlySpan<byte> payload, CommandLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return Parse(payload, (root, id) => ReadSet(root, id, limits));
    }

    public static ParsedCommand<VisionTask> ParseAsk(ReadOnlySpan<byte> payload, CommandLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return Parse(payload, (root, id) =>
        {
            if (Unknown(root, AskFields) is { } unknown)
            {
                return Fail<VisionTask>(id, unknown);
            }

            var kind = root.TryGetProperty("task", out var k) ? ReadString(k, "task") : new Field<string>("answer");
            var prompt = root.TryGetProperty("prompt", out var p) ? ReadString(p, "prompt") : default;
            var labels = root.TryGetProperty("labels", out var l) ? ReadLabels(l) : new Field<IReadOnlyList<string>>([]);
            if ((kind.Error ?? prompt.Error ?? labels.Error) is { } error)
            {
                return Fail<VisionTask>(id, error);
            }

            var settings = new TaskSettings("asked", kind.Value!, prompt.Value, labels.Value!, TaskTrigger.Command, TimeSpan.FromSeconds(limits.MinIntervalSeconds));
            return TaskRules.Validate(settings, limits) is { } invalid
                ? Fail<VisionTask>(id, invalid)
                : new ParsedCommand<VisionTask>(id, settings.ToVisionTask(), null);
        });
    }

    private static ParsedCommand<SetCommand> ReadSet(JsonElement root, string? id, CommandLimits limits)
    {
        if (Unknown(root, TaskFields) is { } unknown)
        {
            return Fail<SetCommand>(id, unknown);
        }

        if (!root.TryGetProperty("op", out var opElement) || opElement.ValueKind != JsonValueKind.String)
        {
            return Fail<SetCommand>(id, $"'op' is required: one of {Ops}");
        }

        var op = opElement.GetString();
        var name = root.TryGetProperty("name", out var n) ? ReadString(n, "name") : default;
        var kind = root.TryGetProperty("task", out var k) ? ReadString(k, "task") : default;
        var prompt = root.TryGetProperty("prompt", out var p) ? ReadString(p, "prompt") : default;
        var labels = root.TryGetProperty("labels", out var l) ? ReadLabels(l) : default;
        var trigger = root.TryGetProperty("trigger", out var t) ? ReadTrigger(t) : default;
        var interval = root.TryGetProperty("interval_s", out var i) ? ReadInterval(i) : default;
        var enabled = root.TryGetProperty("enabled", out var e) ? ReadBool(e, "enabled") : default;
        if ((name.Error ?? kind.Error ?? prompt.Error ?? labels.Error ?? trigger.Error ?? interval.Error ?? enabled.Error) is { } error)
        {
            return Fail<SetCommand>(id, error);
        }

        string[] present = [.. root.EnumerateObject().Select(x => x.Name).Where(x => x is not ("id" or "op"))];
        switch (op)
        {
            case "enable" or "disable":
                return present.Length > 0
                    ? Fail<SetCommand>(id, $"op '{op}' takes no other fields (got {string.Join(", ", present)})")
                    : new ParsedCommand<SetCommand>(id, new SetEnabledCommand(op == "enable"), null);
            case "reset":
                return present.Length > 0
                    ? Fail<SetCommand>(id, $"op 'reset' takes no other fields (got {string.Join(", ", present)})")
                    : new ParsedCommand<SetCommand>(id, new ResetSettingsCommand(null), null);
            case "run":
                return name.Value is null || present.Length != 1
                    ? Fail<SetCommand>(id, "op 'run' takes exactly 'name' (the task to run now)")
                    : new ParsedCommand<SetCommand>(id, new RunTaskCommand(name.Value), null);
            case "remove_task":
                return name.Value is null || present.Length != 1
                    ? Fail<SetCommand>(id, "op 'remove_task' takes exactly 'name'")
                    : new ParsedCommand<SetCommand>(id, new RemoveTaskCommand(name.Value), null);
            case "add_task":
                if (name.Value is null || kind.Value is null)
                {
                    return Fail<SetCommand>(id, "op 'add_task' needs 'name' and 'task' (caption, describe, answer, ocr, detect, segment or raw)");
                }

                var task = new TaskSettings(name.Value, kind.Value, prompt.Value, labels.Value ?? [], trigger.Value?.Trigger ?? TaskTrigger.Interval,
                    interval.Value?.Interval ?? TimeSpan.FromSeconds(60), enabled.Value?.Flag ?? true);
                return TaskRules.Validate(task, limits) is { } invalid
                    ? Fail<SetCommand>(id, invalid)
                    : new ParsedCommand<SetCommand>(id, new AddTaskCommand(task), null);
            case "update_task":
                return name.Value is null || present.Length < 2
                    ? Fail<SetCommand>(id, "op 'update_task' needs 'name' and at least one of task, prompt, labels, trigger, interval_s, enabled")
                    : new ParsedCommand<SetCommand>(id, new UpdateTaskCommand(name.Value, kind.Value, prompt.Value, labels.Value,
                        trigger.Value?.Trigger, interval.Value?.Interval, enabled.Value?.Flag), null);
            default:
                return Fail<SetCommand>(id, $"unknown op '{TaskRules.Shorten(op)}'; use one of {Ops}");
        }
    }

    private static ParsedCommand<T> Parse<T>(ReadOnlySpan<byte> payload, Func<JsonElement, string?, ParsedCommand<T>> read)
        where T : class
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = DocumentOptions.MaxDepth });
            document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                document.Dispose();
                return Fail<T>(null, "payload has text after the JSON object");
            }
        }
        catch (JsonException ex)
        {
            return Fail<T>(null, $"payload is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Fail<T>(null, $"payload must be a JSON object, not {root.ValueKind.ToString().ToLowerInvariant()}");
            }

            string? id = null;
            if (root.TryGetProperty("id", out var idElement))
            {
                if (idElement.ValueKind != JsonValueKind.String || idElement.GetString()!.Length is 0 or > CommandLimits.MaxIdLength)
                {
                    return Fail<T>(null, $"'id' must be a string of 1-{CommandLimits.MaxIdLength} characters");
                }

                id = idElement.GetString();
            }

            return read(root, id);
        }
    }

    private static string? Unknown(JsonElement root, string[] allowed)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!allowed.Contains(property.Name))
            {
                return $"unknown field '{TaskRules.Shorten(property.Name)}'; allowed: {string.Join(", ", allowed)}";
            }

            if (!seen.Add(property.Name))
            {
                return $"field '{property.Name}' appears twice";
            }
        }

        return null;
    }

    private static Field<string> ReadString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.String ? new Field<string>(element.GetString()) : new Field<string>(null, $"'{name}' must be a string");

    private static Field<IReadOnlyList<string>> ReadLabels(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array || element.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
        {
            return new Field<IReadOnlyList<string>>(null, "'labels' must be an array of strings");
        }

        return new Field<IReadOnlyList<string>>(element.EnumerateArray().Select(x => x.GetString()!.Trim()).ToArray());
    }

    private static Field<TriggerBox> ReadTrigger(JsonElement element) =>
        element.ValueKind == JsonValueKind.String && element.GetString() is "interval" or "motion" or "gpio" or "command"
            ? new Field<TriggerBox>(new TriggerBox(Enum.Parse<TaskTrigger>(element.GetString()!, ignoreCase: true)))
            : new Field<TriggerBox>(null, "'trigger' must be one of interval, motion, gpio, command");

    private static Field<IntervalBox> ReadInterval(JsonElement element) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var seconds) && double.IsFinite(seconds) && seconds is > 0 and <= 1e7
            ? new Field<IntervalBox>(new IntervalBox(TimeSpan.FromSeconds(seconds)))
            : new Field<IntervalBox>(null, "'interval_s' must be a positive number of seconds");

    private static Field<FlagBox> ReadBool(JsonElement element, string name) =>
        element.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? new Field<FlagBox>(new FlagBox(element.GetBoolean()))
            : new Field<FlagBox>(null, $"'{name}' must be true or false");

    private static ParsedCommand<T> Fail<T>(string? id, string error)
        where T : class => new(id, null, error);

    private readonly record struct Field<T>(T? Value, string? Error = null)
        where T : class;

    private sealed record TriggerBox(TaskTrigger Trigger);

    private sealed record IntervalBox(TimeSpan Interval);

    private sealed record FlagBox(bool Flag);
}
