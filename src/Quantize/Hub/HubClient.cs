using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgePali.Quantize.Hub;

/// <summary>
/// The Hugging Face Hub's HTTP API, as huggingface_hub uses it (hf_api.py, file_download.py):
/// <list type="bullet">
/// <item><c>GET {endpoint}/api/models/{repo}/revision/{revision}</c>: model info; <c>sha</c> is the commit the
/// revision points to, <c>gated</c> says whether a licence must be accepted.</item>
/// <item><c>GET {endpoint}/api/models/{repo}/tree/{commit}?recursive=true</c>: every file with <c>size</c>, git
/// <c>oid</c> and, for LFS/Xet files, <c>lfs.oid</c> (the sha256 of the content); paginated with a Link header.</item>
/// <item><c>GET {endpoint}/{repo}/resolve/{commit}/{path}</c>: the content; large files answer with a redirect
/// to a CDN, carrying <c>X-Repo-Commit</c>, <c>X-Linked-Etag</c> (the sha256) and <c>X-Linked-Size</c>.</item>
/// </list>
/// Errors arrive as <c>X-Error-Code</c> (GatedRepo, RepoNotFound, RevisionNotFound, EntryNotFound) and
/// <c>X-Error-Message</c>. The token is sent only to the endpoint's own host, never to the CDN a redirect points
/// at. Redirects are followed here rather than by the handler so that the Hub's headers on the redirect itself
/// can be read.
/// </summary>
internal sealed partial class HubClient : IDisposable
{
    private const int MaxRedirects = 10;
    private const string InvalidCredentialsMessage = "Invalid credentials in Authorization header";

    private readonly HttpClient _http;
    private readonly string _base;
    private readonly HubToken? _token;
    private readonly RetryPolicy _retry;
    private readonly TimeSpan _responseTimeout;

    public HubClient(Uri endpoint, HubToken? token, RetryPolicy retry, TimeSpan responseTimeout, HttpMessageHandler? handler = null)
    {
        Endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        // Uri.ToString() ends a bare host with '/': without trimming, every URL would start with "//api/...".
        _base = endpoint.ToString().TrimEnd('/');
        _token = token;
        _retry = retry ?? throw new ArgumentNullException(nameof(retry));
        _responseTimeout = responseTimeout;
        handler ??= new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            // Ranges address the bytes of the file itself: no transparent decompression.
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        // Timeouts are per response and per read (a multi-GB download may rightly take hours), so none here.
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("edgepali-quantize", typeof(HubClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }

    public Uri Endpoint { get; }

    public bool HasToken => _token is not null;

    /// <summary>Called before each retry of a metadata request: reason, attempt number, delay.</summary>
    public Action<string, int, TimeSpan>? OnRetry { get; set; }

    /// <summary>Resolves <paramref name="revision"/> to a commit and lists every file at that commit.</summary>
    public async Task<HubSnapshot> GetSnapshotAsync(HubRepoId repo, string revision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentException.ThrowIfNullOrWhiteSpace(revision);
        var infoUrl = new Uri($"{_base}/api/models/{repo}/revision/{Uri.EscapeDataString(revision)}");
        var (commit, gated) = await WithRetriesAsync(async ct =>
        {
            using var document = await GetJsonAsync(infoUrl, repo, revision, ct);
            return ParseModelInfo(document.RootElement, repo);
        }, cancellationToken);

        var files = new List<HubFile>();
        Uri? page = new($"{_base}/api/models/{repo}/tree/{commit}?recursive=true");
        while (page is not null)
        {
            var pageUrl = page;
            page = await WithRetriesAsync(async ct =>
            {
                using var response = await SendAsync(pageUrl, rangeStart: 0, ct);
                if (!response.IsSuccessStatusCode)
                    throw ToException(response, repo, revision, path: null);
                using var document = await ReadJsonAsync(response, pageUrl, ct);
                AddTreeEntries(document.RootElement, files, repo);
                return LinkHeader.NextUrl(response.Headers.TryGetValues("Link", out var links) ? string.Join(',', links) : null) is { } next
                    ? new Uri(pageUrl, next)
                    : null;
            }, cancellationToken);
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return new HubSnapshot(repo, revision, commit, gated, files);
    }

    /// <summary>
    /// Opens the content of <paramref name="file"/> at <paramref name="commit"/>, from byte <paramref name="offset"/>
    /// on (a Range request) when it is above zero. The caller reads the body and disposes the result.
    /// </summary>
    public async Task<HubContent> OpenFileAsync(HubRepoId repo, string commit, HubFile file, long offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(file);
        var escapedPath = string.Join('/', file.Path.Split('/').Select(Uri.EscapeDataString));
        var url = new Uri($"{_base}/{repo}/resolve/{commit}/{escapedPath}");
        var hubHeaders = new HubFileHeaders();
        var response = await SendAsync(url, offset, cancellationToken, hubHeaders);
        try
        {
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                throw new HubTransientException(
                    $"the server refused to resume {file.Path} at byte {offset} (416); starting the file over", restartFile: true);
            }

            if (!response.IsSuccessStatusCode)
                throw ToException(response, repo, commit, file.Path);
            var start = 0L;
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                start = response.Content.Headers.ContentRange?.From
                    ?? throw new HubException(HubErrorKind.InvalidResponse, $"The server answered a Range request for {file.Path} without a Content-Range header.");
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new HubContent(response, body, start, response.Content.Headers.ContentLength, hubHeaders);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> WithRetriesAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        for (var failures = 0; ; )
        {
            try
            {
                return await attempt(cancellationToken);
            }
            catch (Exception e) when (RetryPolicy.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                failures++;
                if (failures >= _retry.MaxAttempts)
                {
                    throw new HubException(HubErrorKind.Unavailable,
                        $"{Endpoint.Host} did not answer usefully after {failures} attempts ({e.Message}). Check the network, or try again later.", e);
                }

                var delay = _retry.DelayFor(failures, (e as HubTransientException)?.RetryAfter);
                OnRetry?.Invoke(e.Message, failures, delay);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    /// <summary>
    /// One GET with redirects followed by hand: the token only goes to the endpoint's host, a Range header goes
    /// to every hop, the Hub's own headers are collected from the hops it answered, and a response that does not
    /// arrive within the response timeout becomes a transient failure.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(Uri url, long rangeStart, CancellationToken cancellationToken, HubFileHeaders? hubHeaders = null)
    {
        var current = url;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            var toHub = IsHubHost(current);
            if (_token is not null && toHub)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token.Secret);
            if (rangeStart > 0)
                request.Headers.Range = new RangeHeaderValue(rangeStart, null);

            HttpResponseMessage response;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_responseTimeout);
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new HubTransientException($"{current.Host} did not answer within {_responseTimeout.TotalSeconds:0} s", innerException: e);
                }
            }

            if (toHub)
                hubHeaders?.Collect(response);
            var status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= MaxRedirects)
                    throw new HubException(HubErrorKind.InvalidResponse, $"Too many redirects fetching {url}.");
                current = new Uri(current, location);
                continue;
            }

            if (status is 408 or 429 or >= 500)
            {
                var retryAfter = response.Headers.RetryAfter?.Delta
                    ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
                var reason = $"{current.Host} answered {status} {response.ReasonPhrase}";
                response.Dispose();
                throw new HubTransientException(reason, retryAfter);
            }

            return response;
        }
    }

    private bool IsHubHost(Uri url) =>
        Uri.Compare(url, Endpoint, UriComponents.SchemeAndServer, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0;

    private async Task<JsonDocument> GetJsonAsync(Uri url, HubRepoId repo, string revision, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(url, rangeStart: 0, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw ToException(response, repo, revision, path: null);
        return await ReadJsonAsync(response, url, cancellationToken);
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, Uri url, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        try
        {
            return await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            throw new HubException(HubErrorKind.InvalidResponse, $"{url} did not return valid JSON ({e.Message}). Is --endpoint/HF_ENDPOINT a Hugging Face Hub?", e);
        }
    }

    private static (string Commit, string? Gated) ParseModelInfo(JsonElement info, HubRepoId repo)
    {
        if (info.ValueKind != JsonValueKind.Object || !info.TryGetProperty("sha", out var sha) || sha.ValueKind != JsonValueKind.String ||
            !CommitPattern().IsMatch(sha.GetString()!))
        {
            throw new HubException(HubErrorKind.InvalidResponse, $"The model info for {repo} has no commit sha; cannot pin the download to a commit.");
        }

        string? gated = info.TryGetProperty("gated", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
        return (sha.GetString()!, gated);
    }

    private static void AddTreeEntries(JsonElement page, List<HubFile> files, HubRepoId repo)
    {
        if (page.ValueKind != JsonValueKind.Array)
            throw new HubException(HubErrorKind.InvalidResponse, $"The file list of {repo} is not a JSON array.");
        foreach (var entry in page.EnumerateArray())
        {
            if (!entry.TryGetProperty("type", out var type) || type.GetString() != "file")
                continue;
            var path = entry.TryGetProperty("path", out var p) ? p.GetString() : null;
            if (string.IsNullOrEmpty(path) || !entry.TryGetProperty("size", out var sizeElement) || !sizeElement.TryGetInt64(out var size) || size < 0)
                throw new HubException(HubErrorKind.InvalidResponse, $"The file list of {repo} has an entry without a path or size.");

            string? sha256 = null;
            if (entry.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
            {
                sha256 = lfs.TryGetProperty("oid", out var oid) ? oid.GetString()?.ToLowerInvariant() : null;
                if (sha256 is null || !Sha256Pattern().IsMatch(sha256))
                    throw new HubException(HubErrorKind.InvalidResponse, $"The Hub lists {path} as an LFS file without a sha256.");
                if (lfs.TryGetProperty("size", out var lfsSize) && lfsSize.TryGetInt64(out var s))
                    size = s;
            }

            // Without LFS the oid is the git blob id of the content itself; with LFS it names the pointer file.
            string? gitBlob = sha256 is null && entry.TryGetProperty("oid", out var blob) && blob.GetString() is { } b && CommitPattern().IsMatch(b)
                ? b.ToLowerInvariant()
                : null;
            files.Add(new HubFile(path, size, sha256, gitBlob));
        }
    }

    /// <summary>Turns an error answer into the message the user needs: what is wrong and what to do.</summary>
    private HubException ToException(HttpResponseMessage response, HubRepoId repo, string revision, string? path)
    {
        var status = (int)response.StatusCode;
        var code = Header(response, "X-Error-Code");
        var hubMessage = Header(response, "X-Error-Message");
        var detail = hubMessage is null ? $" (HTTP {status})" : $" (HTTP {status}: {hubMessage})";
        var modelPage = $"{_base}/{repo}";
        var tokenHint = HasToken ? "" : " If it is private or gated, pass a token with --token-file FILE or HF_TOKEN.";

        if (status == 403 && code is null)
        {
            // Not marked as gated: a fine-grained token without read access to this repository, or an org policy.
            return new HubException(HubErrorKind.GatedRepo,
                $"The Hub refused access to {repo}{detail}. If the model is gated, accept its licence on {modelPage} with the account that owns " +
                "the token; if the token is fine-grained, give it read access to this repository; then run the command again.");
        }

        if (code == "GatedRepo")
        {
            return new HubException(HubErrorKind.GatedRepo, HasToken
                ? $"{repo} is a gated model and the account that owns your token has not been granted access{detail}. " +
                  $"Open {modelPage}, log in as that account, accept the licence (some models then need approval), and run the command again."
                : $"{repo} is a gated model: downloads need a token from an account that accepted its licence{detail}. " +
                  $"Open {modelPage}, log in, accept the licence, create a read token at {_base}/settings/tokens, " +
                  "and pass it with --token-file FILE (or set HF_TOKEN).");
        }

        if (hubMessage == InvalidCredentialsMessage || (status == 401 && HasToken && code is null))
        {
            return new HubException(HubErrorKind.InvalidToken,
                $"The Hub rejected the token{detail}. Check the token in --token-file/HF_TOKEN: it must be a valid read token " +
                $"from {_base}/settings/tokens.");
        }

        if (code == "RevisionNotFound")
        {
            return new HubException(HubErrorKind.RevisionNotFound,
                $"Revision '{revision}' does not exist in {repo}{detail}. Pass an existing branch, tag or full commit sha with --revision " +
                $"(see {modelPage}/tree/main).");
        }

        if (code == "EntryNotFound" || (path is not null && status == 404 && code is null))
        {
            return new HubException(HubErrorKind.EntryNotFound,
                $"{path ?? "A file"} is listed in {repo} at {revision} but the Hub cannot serve it{detail}. The repository may have changed " +
                "during the pull: run the command again.");
        }

        if (code == "RepoNotFound" || status is 401 or 404)
        {
            return new HubException(HubErrorKind.RepoNotFound,
                $"Repository {repo} was not found on {_base}{detail}. Check the id (owner/name, as in the URL of the model page).{tokenHint}");
        }

        return new HubException(HubErrorKind.InvalidResponse, $"{response.RequestMessage?.RequestUri} failed{detail}.");
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    [GeneratedRegex("^[0-9a-fA-F]{40}$", RegexOptions.CultureInvariant)]
    private static partial Regex CommitPattern();

    [GeneratedRegex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Pattern();
}
