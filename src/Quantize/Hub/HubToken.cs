namespace EdgePali.Quantize.Hub;

/// <summary>
/// A Hugging Face access token. Its <see cref="ToString"/> is masked so that the secret cannot reach a log line
/// or an exception message by accident; only <see cref="HubClient"/> reads <see cref="Secret"/> to build the
/// Authorization header.
/// </summary>
internal sealed class HubToken
{
    private HubToken(string secret) => Secret = secret;

    public string Secret { get; }

    /// <summary>Reads a token file (as written by <c>hf auth login</c>: the token, optionally followed by a newline).</summary>
    public static HubToken FromFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HubException(HubErrorKind.InvalidInput, $"Cannot read the token file '{path}': {e.Message}", e);
        }

        return FromText(text, $"The token file '{path}'");
    }

    /// <summary>Takes a token from the HF_TOKEN environment variable, or null when it is unset or empty.</summary>
    public static HubToken? FromEnvironment(string variable = "HF_TOKEN")
    {
        var text = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(text) ? null : FromText(text, $"The {variable} environment variable");
    }

    public static HubToken FromText(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var secret = text.Trim();
        if (secret.Length == 0)
            throw new HubException(HubErrorKind.InvalidInput, $"{source} is empty: it must hold a Hugging Face access token.");
        // A token goes into an HTTP header: whitespace or control characters inside it mean a wrong file.
        if (secret.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new HubException(HubErrorKind.InvalidInput,
                $"{source} does not look like a single Hugging Face access token (it contains spaces or several lines).");
        }

        return new HubToken(secret);
    }

    public override string ToString() => "hf_***";
}
