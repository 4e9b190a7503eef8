using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace EdgePali.Agent.Http;

/// <summary>
/// With an API key configured, every request except the probes (/healthz, /readyz) and the status page's static
/// HTML (which holds no data; its script sends the key with each API call) must carry `Authorization: Bearer key`.
/// Compared in constant time so the key cannot be guessed byte by byte from response times.
/// </summary>
internal sealed class ApiKeyCheck(string apiKey)
{
    private static readonly string[] OpenPaths = ["/healthz", "/readyz", "/", "/index.html"];
    private readonly byte[] _key = Encoding.UTF8.GetBytes(apiKey);

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (_key.Length == 0 || OpenPaths.Contains(http.Request.Path.Value ?? "/", StringComparer.Ordinal) || IsAuthorised(http.Request))
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        http.Response.Headers.WWWAuthenticate = "Bearer";
        await ChatCompletionEndpoint.ErrorAsync(http, StatusCodes.Status401Unauthorized,
            "Missing or wrong API key: send 'Authorization: Bearer <Http:ApiKey>'.", "invalid_request_error").ConfigureAwait(false);
    }

    private bool IsAuthorised(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var given = Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _key);
    }
}
