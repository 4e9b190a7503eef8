namespace EdgePali.Agent.Mqtt.Transport;

/// <summary>Every topic name EdgePali uses, from one place (docs/mqtt.md lists them).</summary>
public sealed class MqttTopics
{
    public MqttTopics(string prefix, string deviceId)
    {
        Base = $"{prefix}/{Level(deviceId)}";
    }

    /// <summary>`{prefix}/{device}`.</summary>
    public string Base { get; }

    public string Status => $"{Base}/status";

    public string Stats => $"{Base}/stats";

    public string SetFilter => $"{Base}/+/set";

    public string AskFilter => $"{Base}/+/ask";

    public string Result(string camera, string taskName) => $"{Base}/{Level(camera)}/{Level(taskName)}";

    public string Snapshot(string camera) => Leaf(camera, "snapshot");

    public string Set(string camera) => Leaf(camera, "set");

    public string SetReply(string camera) => Leaf(camera, "set/reply");

    public string State(string camera) => Leaf(camera, "state");

    public string Ask(string camera) => Leaf(camera, "ask");

    public string AskReply(string camera) => Leaf(camera, "ask/reply");

    public string Motion(string camera) => Leaf(camera, "motion");

    public string Counts(string camera) => Leaf(camera, "counts");

    public string Events(string camera) => Leaf(camera, "events");

    /// <summary>For `{Base}/{camera}/{command}`, the camera level and the command; false for any other topic.</summary>
    public bool TryParseCameraCommand(string topic, out string cameraLevel, out string command)
    {
        cameraLevel = command = "";
        if (!topic.StartsWith(Base + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topic.AsSpan(Base.Length + 1);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || rest[(slash + 1)..].Contains('/'))
        {
            return false;
        }

        cameraLevel = rest[..slash].ToString();
        command = rest[(slash + 1)..].ToString();
        return true;
    }

    /// <summary>A name made safe as one topic level: '/', '+', '#', control characters and spaces become '_'.</summary>
    public static string Level(string name)
    {
        if (IsValidLevel(name) && !name.Contains(' ', StringComparison.Ordinal))
        {
            return name;
        }

        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is '/' or '+' or '#' or ' ' || char.IsControl(chars[i]))
            {
                chars[i] = '_';
            }
        }

        return chars.Length == 0 ? "_" : new string(chars);
    }

    /// <summary>True for a non-empty level without '/', '+', '#' or control characters.</summary>
    public static bool IsValidLevel(string? level) =>
        !string.IsNullOrEmpty(level) && level.Length <= 128 && !level.Any(c => c is '/' or '+' or '#' || char.IsControl(c));

    /// <summary>True for one or more valid levels joined by '/'.</summary>
    public static bool IsValidLevels(string? levels) =>
        !string.IsNullOrEmpty(levels) && levels.Split('/').All(IsValidLevel);

    private string Leaf(string camera, string leaf) => $"{Base}/{Level(camera)}/{leaf}";
}
