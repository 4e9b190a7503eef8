using EdgePali.Agent.Tasks;

namespace EdgePali.Agent.Control;

/// <summary>A parsed `set` command: one operation on a camera's settings (docs/mqtt.md, schemas/set.json).</summary>
public abstract record SetCommand
{
    /// <summary>The `op` value this command came from (what Mqtt:AllowedOps names).</summary>
    public abstract string Op { get; }

    /// <summary>The camera's settings after this command, or an error naming the problem; <paramref name="current"/> is never changed.</summary>
    public abstract CommandOutcome<CameraSettings> ApplyTo(CameraSettings current, CommandLimits limits);
}

/// <summary>
/// `{"op": "reset"}`: back to the configuration file's settings, dropping what remote commands changed (also from the
/// file that keeps them across restarts). The parser cannot know the file's settings: the receiver fills in
/// <paramref name="Configured"/> before applying it.
/// </summary>
public sealed record ResetSettingsCommand(CameraSettings? Configured) : SetCommand
{
    public override string Op => "reset";

    public override CommandOutcome<CameraSettings> ApplyTo(CameraSettings current, CommandLimits limits) =>
        Configured is null
            ? CommandOutcome.Fail<CameraSettings>("the configuration file's settings of this camera are not known here")
            : CommandOutcome.Ok(Configured);
}

/// <summary>`{"op": "enable"}` / `{"op": "disable"}`.</summary>
public sealed record SetEnabledCommand(bool Enabled) : SetCommand
{
    public override string Op => Enabled ? "enable" : "disable";

    public override CommandOutcome<CameraSettings> ApplyTo(CameraSettings current, CommandLimits limits) =>
        CommandOutcome.Ok(current with { Enabled = Enabled });
}

/// <summary>`{"op": "add_task", "name": ..., "task": ..., ...}`.</summary>
public sealed record AddTaskCommand(TaskSettings Task) : SetCommand
{
    public override string Op => "add_task";

    public override CommandOutcome<CameraSettings> ApplyTo(CameraSettings current, CommandLimits limits)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(limits);
        if (current.Tasks.Any(t => t.Name == Task.Name))
        {
            return CommandOutcome.Fail<CameraSettings>($"camera '{current.Camera}' already has a task '{Task.Name}'; use op update_task to change it");
        }

        if (current.Tasks.Count >= limits.MaxTasks)
        {
            return CommandOutcome.Fail<CameraSettings>($"camera '{current.Camera}' has the maximum of {limits.MaxTasks} tasks; remove one first");
        }

        return TaskRules.Validate(Task, limits) is { } error
            ? CommandOutcome.Fail<CameraSettings>(error)
            : CommandOutcome.Ok(current with { Tasks = [.. current.Tasks, Task] });
    }
}

/// <summary>`{"op": "update_task", "name": ..., and any of task/prompt/labels/trigger/interval_s/enabled}`; null fields stay as they are.</summary>
public sealed record UpdateTaskCommand(
    string Name,
    string? Kind,
    string? Prompt,
    IReadOnlyList<string>? Labels,
    TaskTrigger? Trigger,
    TimeSpan? Interval,
    bool? Enabled) : SetCommand
{
    public override string Op => "update_task";

    public override CommandOutcome<CameraSettings> ApplyTo(CameraSettings current, CommandLimits limits)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(limits);
        var index = current.Tasks.ToList().FindIndex(t => t.Name == Name);
        if (index < 0)
        {
            return CommandOutcome.Fail<CameraSettings>($"camera '{current.Camera}' has no task '{Name}'; its tasks: {string.Join(", ", current.Tasks.Select(t => t.Name))}");
        }

        var old = current.Tasks[index];
        var kind = Kind ?? old.Kind;
        var updated = old with
        {
            Kind = kind,
            Prompt = Prompt ?? (kind == old.Kind ? old.Prompt : null),
            Labels = Labels ?? (kind is "detect" or "segment" ? old.Labels : []),
            Trigger = Trigger ?? old.Trigger,
            Interval = Interval ?? old.Interval,
            Enabled = Enabled ?? old.Enabled,
        };
        if (TaskRules.Validate(updated, limits) is { } error)
        {
            return CommandOutcome.Fail<CameraSettings>(error);
        }

        var tasks = current.Tasks.ToArray();
        tasks[index] = updated;
        return CommandOutcome.Ok(current with { Tasks = tasks });
    }
}

/// <summary>`{"op": "remove_task", "name": ...}`.</summary>
public sealed record RemoveTaskCommand(string Name) : SetCommand
{
    public override string Op => "remove_task";

    public override CommandOutcome<CameraSettings> ApplyTo(CameraSettings current, CommandLimits limits)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current.Tasks.Any(t => t.Name == Name)
            ? CommandOutcome.Ok(current with { Tasks = current.Tasks.Where(t => t.Name != Name).ToArray() })
            : CommandOutcome.Fail<CameraSettings>($"camera '{current.Camera}' has no task '{Name}'");
    }
}

/// <summary>
/// `{"op": "run", "name": ...}`: run the named task now, on the camera's newest frame, outside its trigger
/// (how `command` tasks run; any enabled task may be run this way). Changes no setting: applying it only
/// checks that the camera and the task can run.
/// </summary>
public sealed record RunTaskCommand(string Name) : SetCommand
{
    public override string Op => "run";

    public override CommandOutcome<CameraSettings> ApplyTo(CameraSettings current, CommandLimits limits) =>
        Check(current, Name) is { } error ? CommandOutcome.Fail<CameraSettings>(error) : CommandOutcome.Ok(current);

    /// <summary>Why the task cannot run under <paramref name="settings"/>, or null when it can.</summary>
    public static string? Check(CameraSettings settings, string name)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var task = settings.Tasks.FirstOrDefault(t => t.Name == name);
        if (task is null)
        {
            return $"camera '{settings.Camera}' has no task '{TaskRules.Shorten(name)}'; its tasks: {string.Join(", ", settings.Tasks.Select(t => t.Name))}";
        }

        if (!settings.Enabled)
        {
            return $"camera '{settings.Camera}' is disabled; enable it first ({{\"op\":\"enable\"}})";
        }

        return task.Enabled ? null : $"task '{name}' of camera '{settings.Camera}' is disabled; enable it first ({{\"op\":\"update_task\",\"name\":\"{name}\",\"enabled\":true}})";
    }
}
