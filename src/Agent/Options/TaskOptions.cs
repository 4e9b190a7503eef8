namespace EdgePali.Agent.Options;

/// <summary>"Cameras:N:Tasks:M": one analysis task of a camera.</summary>
public sealed class TaskOptions
{
    /// <summary>Unique within the camera; the topic leaf of its results. Empty means the task kind.</summary>
    public string Name { get; set; } = "";

    /// <summary>caption, describe, answer, ocr, detect, segment or raw.</summary>
    public string Task { get; set; } = "caption";

    /// <summary>The question (answer), the whole prefix (raw) or the language (caption, describe; default "en").</summary>
    public string Prompt { get; set; } = "";

    /// <summary>What to find (detect, segment).</summary>
    public List<string> Labels { get; set; } = [];

    /// <summary>interval, motion, gpio or command.</summary>
    public string Trigger { get; set; } = "interval";

    /// <summary>The period for trigger "interval"; the minimum time between analyses for the other triggers.</summary>
    public double IntervalSeconds { get; set; } = 60;

    /// <summary>Cap on generated tokens; 0 uses the task kind's default.</summary>
    public int MaxNewTokens { get; set; }

    /// <summary>detect and segment: constrained decoding, so answers always parse and name only the requested labels. False lets the model write freely.</summary>
    public bool Constrained { get; set; } = true;

    /// <summary>"yes/no" on an answer task: the question is a yes/no question, so Home Assistant gets a binary_sensor (on = yes) instead of a text sensor.</summary>
    public string Answer { get; set; } = "";

    /// <summary>The one <see cref="Answer"/> value besides "".</summary>
    public const string YesNo = "yes/no";

    /// <summary>False keeps the task configured but never runs it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The name actually used.</summary>
    public string ResolvedName => string.IsNullOrWhiteSpace(Name) ? Task : Name;
}
