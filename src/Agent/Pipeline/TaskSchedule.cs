using EdgePali.Agent.Options;
using EdgePali.Agent.Tasks;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Pipeline;

/// <summary>
/// A camera's tasks as scheduled now, whether the camera is enabled, and the names of the tasks due on the pending
/// frame. Not thread-safe: <see cref="CameraRuntime"/> guards it with the same lock as the pending frame.
/// </summary>
internal sealed class TaskSchedule
{
    private readonly List<string> _due = [];
    private readonly Dictionary<string, int> _configuredMaxTokens;
    private readonly Dictionary<string, bool> _configuredConstrained;
    private List<ScheduledTask> _tasks;

    public TaskSchedule(CameraOptions options)
    {
        Enabled = options.Enabled;
        _configuredMaxTokens = options.Tasks.ToDictionary(t => t.ResolvedName, t => t.MaxNewTokens, StringComparer.Ordinal);
        _configuredConstrained = options.Tasks.ToDictionary(t => t.ResolvedName, t => t.Constrained, StringComparer.Ordinal);
        _tasks = [.. options.Tasks.Select(t => Schedule(ToSettings(t)))];
    }

    public bool Enabled { get; private set; }

    /// <summary>Tasks due on the pending frame: the Gate -> Infer queue depth.</summary>
    public int DueCount => _due.Count;

    public IEnumerable<TaskSettings> Settings => _tasks.Select(t => t.Settings);

    /// <summary>Marks every task <paramref name="isDue"/> accepts as due; true when any is (none while disabled).</summary>
    public bool MarkDue<TState>(TState state, Func<ScheduledTask, TState, bool> isDue)
    {
        var offered = false;
        if (!Enabled)
            return false;
        foreach (var task in _tasks)
        {
            if (!isDue(task, state))
                continue;
            offered = true;
            if (!_due.Contains(task.Name))
                _due.Add(task.Name);
        }

        return offered;
    }

    /// <summary>A GPIO input fired: the "gpio" tasks become due (subject to their interval).</summary>
    public void FireGpio()
    {
        foreach (var task in _tasks.Where(t => t.Settings.Trigger == TaskTrigger.Gpio))
            task.Triggered = true;
    }

    /// <summary>Moves the due tasks that are still scheduled into <paramref name="tasks"/>, started at <paramref name="now"/>.</summary>
    public void TakeDue(DateTimeOffset now, List<ScheduledTask> tasks)
    {
        foreach (var name in _due)
        {
            if (Enabled && _tasks.FirstOrDefault(t => t.Name == name) is { } task)
            {
                task.LastStarted = now;
                task.Triggered = false;
                tasks.Add(task);
            }
        }

        _due.Clear();
    }

    public bool Contains(string taskName) => _tasks.Exists(t => t.Name == taskName);

    public ScheduledTask? Find(string name) => _tasks.FirstOrDefault(t => t.Name == name);

    /// <summary>The tasks <paramref name="desired"/> asks for, checked by <see cref="TaskRules"/>; null with <paramref name="error"/> naming the field when one is not usable.</summary>
    public List<ScheduledTask>? Build(CameraSettings desired, out string? error)
    {
        var scheduled = new List<ScheduledTask>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < desired.Tasks.Count; i++)
        {
            var settings = desired.Tasks[i];
            error = TaskRules.NameProblem(settings.Name) is { } nameProblem ? $"tasks[{i}].name: {nameProblem}."
                : !names.Add(settings.Name) ? $"tasks[{i}].name: '{settings.Name}' is used twice; task names are unique within a camera."
                : settings.Interval <= TimeSpan.Zero ? $"tasks[{i}].interval: must be more than 0 seconds."
                : !Enum.IsDefined(settings.Trigger) ? $"tasks[{i}].trigger: unknown trigger {settings.Trigger}."
                : null;
            if (error is not null)
                return null;
            try
            {
                scheduled.Add(Schedule(settings));
            }
            catch (ArgumentException e)
            {
                error = $"tasks[{i}]: {e.Message}";
                return null;
            }
        }

        error = null;
        return scheduled;
    }

    /// <summary>Replaces the schedule with <paramref name="scheduled"/> (from <see cref="Build"/>).</summary>
    public void Apply(List<ScheduledTask> scheduled, bool enabled)
    {
        foreach (var task in scheduled)
        {
            // Keep the schedule of tasks that stay, so a change does not make them all run at once.
            if (Find(task.Name) is { } old)
                (task.LastStarted, task.Triggered) = (old.LastStarted, old.Triggered);
        }

        _tasks = scheduled;
        Enabled = enabled;
        _due.RemoveAll(name => !Contains(name));
        if (!Enabled)
            _due.Clear();
    }

    // Token cap and constrained decoding come from the configuration file; tasks added at run time get the defaults.
    private ScheduledTask Schedule(TaskSettings settings) =>
        new(settings, settings.ToVisionTask().WithConstrained(_configuredConstrained.GetValueOrDefault(settings.Name, true)), _configuredMaxTokens.GetValueOrDefault(settings.Name));

    private static TaskSettings ToSettings(TaskOptions task) => new(
        task.ResolvedName,
        task.Task,
        string.IsNullOrWhiteSpace(task.Prompt) ? null : task.Prompt,
        [.. task.Labels],
        Enum.Parse<TaskTrigger>(task.Trigger, ignoreCase: true),
        TimeSpan.FromSeconds(task.IntervalSeconds),
        task.Enabled,
        string.IsNullOrWhiteSpace(task.Answer) ? null : task.Answer.Trim());
}
