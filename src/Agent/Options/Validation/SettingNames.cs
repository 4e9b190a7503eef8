namespace EdgePali.Agent.Options.Validation;

/// <summary>The values some settings accept, shared by the validators, the control surface and the docs.</summary>
public static class SettingNames
{
    public static IReadOnlyList<string> TaskKinds { get; } = ["caption", "describe", "answer", "ocr", "detect", "segment", "raw"];

    public static IReadOnlyList<string> Triggers { get; } = ["interval", "motion", "gpio", "command"];

    public static IReadOnlyList<string> Backends { get; } = ["auto", "opencv", "v4l2"];

    public static IReadOnlyList<string> Variants { get; } = ["int8", "q4", "fp32"];

    /// <summary>True for names usable as one MQTT topic level and a file name: letters, digits, '-', '_'.</summary>
    public static bool IsTopicSafe(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
