using System.Text.RegularExpressions;

namespace EdgePali.Agent.Tasks;

/// <summary>
/// What makes a task runnable and safe to publish under: a topic-safe name that is not one of the camera's own topic
/// leaves, a known kind, bounded text. The one rule book for the configuration file, the MQTT commands and the runtime,
/// so a task the configuration accepts can always be published and changed over MQTT.
/// </summary>
public static partial class TaskRules
{
    /// <summary>The longest task name (it becomes one MQTT topic level and a Home Assistant entity id).</summary>
    public const int MaxNameLength = 32;

    /// <summary>Topic leaves under a camera that are not task results (snapshot, command and state topics); task names may not take them.</summary>
    public static IReadOnlySet<string> ReservedNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "snapshot", "set", "state", "ask", "motion", "counts", "events",
    };

    /// <summary>Null when <paramref name="name"/> is a usable task name, else what is wrong and how to fix it.</summary>
    public static string? NameProblem(string? name)
    {
        if (name is null || !NamePattern().IsMatch(name))
            return $"task name '{Shorten(name)}' is invalid: use 1-{MaxNameLength} letters, digits, '-' or '_'";
        if (ReservedNames.Contains(name))
            return $"task name '{name}' is reserved (it is a topic of the camera: {string.Join(", ", ReservedNames)}); choose another";
        return null;
    }

    /// <summary>Null when <paramref name="task"/> is valid, else what is wrong and how to fix it.</summary>
    public static string? Validate(TaskSettings task, CommandLimits limits)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(limits);
        if (NameProblem(task.Name) is { } nameProblem)
        {
            return nameProblem;
        }

        if (!TaskSettings.KnownKinds.Contains(task.Kind))
        {
            return $"unknown task '{Shorten(task.Kind)}'; use one of {string.Join(", ", TaskSettings.KnownKinds)}";
        }

        if (task.Prompt is { } prompt)
        {
            if (prompt.Length > limits.MaxPromptLength)
            {
                return $"prompt is {prompt.Length} characters; at most {limits.MaxPromptLength} are allowed";
            }

            if (prompt.Any(char.IsControl))
            {
                return "prompt must be one line without control characters";
            }

            if (task.Kind is "caption" or "describe" && !LanguagePattern().IsMatch(prompt))
            {
                return $"for '{task.Kind}' the prompt is the language code (e.g. \"en\", \"de\"), not '{Shorten(prompt)}'";
            }
        }

        if (task.Kind is "detect" or "segment")
        {
            if (task.Labels.Count == 0 || task.Labels.Count > limits.MaxLabels)
            {
                return $"'{task.Kind}' needs 1 to {limits.MaxLabels} labels, got {task.Labels.Count}";
            }

            foreach (var label in task.Labels)
            {
                if (string.IsNullOrWhiteSpace(label) || label.Length > limits.MaxLabelLength || label.Contains(';', StringComparison.Ordinal) || label.Any(char.IsControl))
                {
                    return $"label '{Shorten(label)}' is invalid: 1-{limits.MaxLabelLength} characters, no ';' or control characters";
                }
            }
        }
        else if (task.Labels.Count > 0)
        {
            return $"'{task.Kind}' takes no labels (only detect and segment do)";
        }

        if (task.Kind is "answer" or "raw" && string.IsNullOrWhiteSpace(task.Prompt))
        {
            return $"'{task.Kind}' needs a prompt ({(task.Kind == "answer" ? "the question" : "the whole prefix")})";
        }

        if (task.Interval.TotalSeconds < limits.MinIntervalSeconds || task.Interval.TotalSeconds > limits.MaxIntervalSeconds)
        {
            return $"interval_s {task.Interval.TotalSeconds} is out of range {limits.MinIntervalSeconds}..{limits.MaxIntervalSeconds}";
        }

        return null;
    }

    /// <summary>Cuts user text quoted in an error so a huge payload cannot make a huge reply.</summary>
    internal static string Shorten(string? text) =>
        text is null ? "" : text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "...");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
    private static partial Regex LanguagePattern();
}
