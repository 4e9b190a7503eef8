namespace EdgePali.Agent.Http;

/// <summary>Section "Http": the worker's HTTP server (OpenAI-compatible API, status page, /metrics; docs/http.md).</summary>
public sealed class HttpOptions
{
    public const string Section = "Http";

    public const string DefaultUrls = "http://127.0.0.1:8780";

    /// <summary>False: no HTTP server at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where Kestrel listens, ';'-separated (e.g. "http://0.0.0.0:8780"). Beyond loopback an API key is required.</summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>Bearer token clients must send (Authorization: Bearer ...). Prefer <see cref="ApiKeyFile"/>.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>File whose first line is the API key; may start with ${CREDENTIALS_DIRECTORY}/ (systemd credential).</summary>
    public string ApiKeyFile { get; set; } = "";

    /// <summary>Largest request body accepted (a base64 image is 4/3 of its JPEG).</summary>
    public int MaxRequestBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Longest prompt accepted, in characters.</summary>
    public int MaxPromptCharacters { get; set; } = 4000;

    /// <summary>How long a chat completion may wait for and use the model before the request gives up (504).</summary>
    public double RequestTimeoutSeconds { get; set; } = 300;

    /// <summary>The key in force: <see cref="ApiKey"/>, or the first line of <see cref="ApiKeyFile"/> (read once at start).</summary>
    public string ResolvedApiKey { get; internal set; } = "";
}
