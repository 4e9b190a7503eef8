using System.Net;
using EdgePali.Agent.Options;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Http;

/// <summary>
/// Checks the Http section at start. The one rule that matters for safety: a server reachable from other machines
/// (any URL whose host is not loopback) must have an API key, so the worker refuses to start without one rather than
/// hand the camera and the model to anyone on the network.
/// </summary>
internal sealed class HttpOptionsValidator : IValidateOptions<HttpOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpOptions options)
    {
        if (!options.Enabled)
            return ValidateOptionsResult.Success;
        var failures = new List<string>();
        var urls = SplitUrls(options.Urls);
        if (urls.Count == 0)
            failures.Add($"Http:Urls is empty. Give where to listen, e.g. {HttpOptions.DefaultUrls}, or set Http:Enabled=false.");
        var beyondLoopback = new List<string>();
        foreach (var url in urls)
        {
            if (!TryHost(url, out var host))
                failures.Add($"Http:Urls: '{url}' is not an http:// URL with a host and port such as {HttpOptions.DefaultUrls}. Correct it.");
            else if (!IsLoopback(host))
                beyondLoopback.Add(url);
        }

        if (!string.IsNullOrEmpty(options.ApiKey) && !string.IsNullOrEmpty(options.ApiKeyFile))
            failures.Add("Http:ApiKey and Http:ApiKeyFile are both set. Keep one (ApiKeyFile, a systemd credential, keeps the key out of the configuration).");
        else if (!string.IsNullOrEmpty(options.ApiKeyFile) && SecretFile.Problem("Http:ApiKeyFile", options.ApiKeyFile) is { } problem)
            failures.Add(problem);
        else if (!string.IsNullOrEmpty(options.ApiKeyFile) && options.ResolvedApiKey.Length == 0)
            failures.Add($"Http:ApiKeyFile: '{options.ApiKeyFile}' is empty. Write the key on its first line.");
        else if (beyondLoopback.Count > 0 && options.ResolvedApiKey.Length == 0)
            failures.Add($"Http:Urls listens beyond this machine ({string.Join(", ", beyondLoopback)}) without an API key. Set Http:ApiKeyFile (or Http:ApiKey) to a secret that clients send as 'Authorization: Bearer <key>', or listen on 127.0.0.1 only.");
        if (options.ResolvedApiKey.Length is > 0 and < 16)
            failures.Add("Http:ApiKey: the key is shorter than 16 characters. Use a long random key, e.g. `openssl rand -hex 24`.");
        if (options.MaxRequestBytes < 64 * 1024)
            failures.Add($"Http:MaxRequestBytes = {options.MaxRequestBytes}: at least 65536 (an image must fit).");
        if (options.MaxPromptCharacters < 1)
            failures.Add("Http:MaxPromptCharacters must be at least 1.");
        if (!(options.RequestTimeoutSeconds > 0))
            failures.Add("Http:RequestTimeoutSeconds must be a positive number of seconds.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static List<string> SplitUrls(string urls) =>
        [.. (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static bool TryHost(string url, out string host)
    {
        host = "";
        // Kestrel's wildcards ("http://*:8780", "http://+:8780") are not valid URI hosts; they mean every address.
        var normalised = url.Replace("://*", "://wildcard.invalid", StringComparison.Ordinal).Replace("://+", "://wildcard.invalid", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/")
            return false;
        host = uri.Host;
        return true;
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
