namespace EdgePali.Agent.Options;

/// <summary>Section "ResultLog": every result also appended to a JSON-lines file, rotated by size.</summary>
public sealed class ResultLogOptions
{
    public const string Section = "ResultLog";

    /// <summary>The file, e.g. "/var/lib/edgepali/results.jsonl"; relative paths are under Agent:StateDirectory. Empty turns the log off.</summary>
    public string Path { get; set; } = "";

    /// <summary>When the file reaches this size it is renamed to .1 (older ones shift up) and a new one starts.</summary>
    public long MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>How many rotated files are kept besides the current one.</summary>
    public int MaxFiles { get; set; } = 5;
}
