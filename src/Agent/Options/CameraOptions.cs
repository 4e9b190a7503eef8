namespace EdgePali.Agent.Options;

/// <summary>One entry of the "Cameras" list.</summary>
public sealed class CameraOptions
{
    /// <summary>The camera's name in topics and results; unique; letters, digits, '-' and '_'.</summary>
    public string Name { get; set; } = "";

    /// <summary>"/dev/video0", a device index ("0"), an rtsp:// or http(s):// URL, a video file, or "testpattern".</summary>
    public string Source { get; set; } = "";

    /// <summary>
    /// Instead of <see cref="Source"/>: a file whose first line is the source, for URLs that carry a password
    /// (e.g. `${CREDENTIALS_DIRECTORY}/front-camera`, a systemd credential; see <see cref="SecretFile"/>).
    /// </summary>
    public string? SourceFile { get; set; }

    /// <summary>True when <see cref="Source"/> was read from <see cref="SourceFile"/> at start (not a setting).</summary>
    internal bool SourceReadFromFile { get; set; }

    /// <summary>"auto", "opencv" or "v4l2" (managed, for boards without OpenCvSharpExtern; /dev/video* only).</summary>
    public string Backend { get; set; } = "auto";

    /// <summary>False keeps the camera configured but neither captures nor analyses.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requested frame width; 0 keeps the source's (testpattern: 640).</summary>
    public int Width { get; set; }

    /// <summary>Requested frame height; 0 keeps the source's (testpattern: 480).</summary>
    public int Height { get; set; }

    /// <summary>At most this many frames per second are captured (and gated); 0 = as fast as the source delivers.</summary>
    public double Fps { get; set; } = 5;

    /// <summary>Video files start again at the end instead of ending (and reconnecting).</summary>
    public bool Loop { get; set; } = true;

    /// <summary>A frame older than this is never analysed: it is dropped and counted.</summary>
    public double MaxFrameAgeSeconds { get; set; } = 2;

    /// <summary>First wait before reopening a failed source; doubles per failure.</summary>
    public double ReconnectInitialSeconds { get; set; } = 1;

    /// <summary>Cap of the reconnect wait.</summary>
    public double ReconnectMaxSeconds { get; set; } = 30;

    /// <summary>A source that neither delivers a frame nor fails for this long is treated as stalled and reopened.</summary>
    public double StallTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Feature-similarity gate: when above 0, the vision encoder runs first and the language model is
    /// skipped if the image features' cosine similarity to the last analysed frame's is at least this
    /// (e.g. 0.98); the last result is published again, marked reused. 0 turns the gate off.
    /// </summary>
    public double SimilarityThreshold { get; set; }

    /// <summary>Motion gate settings.</summary>
    public MotionOptions Motion { get; set; } = new();

    /// <summary>What to analyse and when.</summary>
    public List<TaskOptions> Tasks { get; set; } = [];
}
