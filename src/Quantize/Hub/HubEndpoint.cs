namespace EdgePali.Quantize.Hub;

/// <summary>Which Hub to talk to: <c>--endpoint</c>, else HF_ENDPOINT (as huggingface_hub honours it), else huggingface.co.</summary>
internal static class HubEndpoint
{
    public const string Default = "https://huggingface.co";

    public static Uri Resolve(string? fromCommandLine)
    {
        var text = !string.IsNullOrWhiteSpace(fromCommandLine) ? fromCommandLine
            : Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } fromEnvironment ? fromEnvironment
            : Default;
        if (!Uri.TryCreate(text.Trim().TrimEnd('/'), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new HubException(HubErrorKind.InvalidInput, $"'{text}' is not a Hub endpoint: expected an http(s) URL such as {Default}.");
        return uri;
    }
}
