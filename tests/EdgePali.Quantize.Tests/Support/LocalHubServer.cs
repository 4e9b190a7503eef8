using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>
/// A real HTTP server on 127.0.0.1 that serves folders with the Hugging Face Hub's URL layout and headers, so
/// that `pull` is tested over real sockets without ever contacting the Hub:
/// <c>/api/models/{repo}/revision/{rev}</c> (model info with the commit sha and gating),
/// <c>/api/models/{repo}/tree/{rev}?recursive=true</c> (paginated with a Link header; git oid, size, lfs.oid),
/// <c>/{repo}/resolve/{rev}/{path}</c> (small files served directly with the git blob id as ETag; LFS files
/// answered with a 302 to a second listener standing in for the CDN, with X-Linked-Etag/X-Linked-Size), Range
/// requests, X-Error-Code errors. Faults can be injected: a connection dropped after N bytes, corrupt content,
/// 503 answers, sizes claimed in the listing.
/// </summary>
internal sealed class LocalHubServer : IAsyncDisposable
{
    /// <summary>Files at least this large are served as LFS files (redirect to the CDN, sha256 metadata).</summary>
    public const int LfsThreshold = 16 * 1024;

    private readonly HttpListener _hub;
    private readonly HttpListener _cdn;
    private readonly Task _hubLoop;
    private readonly Task _cdnLoop;
    private readonly ConcurrentDictionary<string, ServedRepo> _repos = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (ServedRepo Repo, ServedFile File)> _bySha256 = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _abortsLeft = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _abortAt = new(StringComparer.Ordinal);
    private int _infoFailuresLeft;

    private LocalHubServer()
    {
        (_hub, Endpoint) = Listen();
        (_cdn, CdnBase) = Listen();
        _hubLoop = ServeAsync(_hub, HandleHubAsync);
        _cdnLoop = ServeAsync(_cdn, HandleCdnAsync);
    }

    /// <summary>The Hub's base URL, without a trailing slash (as HF_ENDPOINT is written).</summary>
    public string Endpoint { get; }

    public string CdnBase { get; }

    /// <summary>Entries per tree page; small so that every test also exercises pagination.</summary>
    public int TreePageSize { get; set; } = 3;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static LocalHubServer Start() => new();

    /// <summary>Serves <paramref name="folder"/> as repository <paramref name="id"/>; a non-null token makes it gated.</summary>
    public ServedRepo AddRepo(string id, string folder, string? gatedToken = null)
    {
        var repo = ServedRepo.Load(id, folder, gatedToken);
        _repos[id] = repo;
        foreach (var file in repo.Files.Where(f => f.IsLfs))
            _bySha256[file.Sha256] = (repo, file);
        return repo;
    }

    /// <summary>The next <paramref name="times"/> content requests for <paramref name="path"/> stop after it reaches byte <paramref name="atByte"/>, and the connection is dropped.</summary>
    public void DropConnection(string path, long atByte, int times = 1)
    {
        _abortAt[path] = atByte;
        _abortsLeft[path] = times;
    }

    /// <summary>The next <paramref name="count"/> model-info requests answer 503.</summary>
    public void FailInfoRequests(int count) => Interlocked.Exchange(ref _infoFailuresLeft, count);

    public IReadOnlyList<RecordedRequest> ContentRequests(string? path = null) =>
        Requests.Where(r => (r.Kind is "resolve" or "cdn") && (path is null || r.FilePath == path)).ToList();

    public async ValueTask DisposeAsync()
    {
        _hub.Close();
        _cdn.Close();
        await Task.WhenAll(_hubLoop, _cdnLoop);
    }

    private static (HttpListener Listener, string BaseUrl) Listen()
    {
        for (var attempt = 0; ; attempt++)
        {
            // Ask the OS for a free port, then bind the listener to it (another process may take it between the two: retry).
            var port = FreePort.Next();
            var prefix = new Uri($"http://127.0.0.1:{port}/");
            var listener = new HttpListener();
            listener.Prefixes.Add(prefix.ToString());
            try
            {
                listener.Start();
                return (listener, $"http://127.0.0.1:{port}");
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                listener.Close();
            }
        }
    }

    private static async Task ServeAsync(HttpListener listener, Func<HttpListenerContext, Task> handle)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await handle(context);
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
                {
                    // The client went away (or the test dropped the connection on purpose).
                }
            });
        }
    }

    private async Task HandleHubAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        // Strict like the Hub's router: an empty segment ("//api/...") finds nothing.
        var segments = request.Url!.AbsolutePath[1..].Split('/').Select(Uri.UnescapeDataString).ToArray();
        var authorization = request.Headers["Authorization"];
        var range = request.Headers["Range"];

        if (segments.Length >= 5 && segments[0] == "api" && segments[1] == "models" && segments[4] is "revision" or "tree")
        {
            var repoId = $"{segments[2]}/{segments[3]}";
            var kind = segments[4] == "revision" ? "info" : "tree";
            Requests.Enqueue(new RecordedRequest(kind, repoId, null, request.Url.PathAndQuery, range, authorization));
            if (!_repos.TryGetValue(repoId, out var repo))
            {
                await RepoNotFoundAsync(response, authorization);
                return;
            }

            var revision = segments.Length > 5 ? segments[5] : "";
            if (revision != "main" && revision != repo.Commit)
            {
                await ErrorAsync(response, 404, "RevisionNotFound", $"Invalid rev id: {revision}");
                return;
            }

            if (kind == "info")
            {
                if (Interlocked.Decrement(ref _infoFailuresLeft) >= 0)
                {
                    response.Headers["Retry-After"] = "0";
                    await ErrorAsync(response, 503, null, "Service Unavailable");
                    return;
                }

                await JsonAsync(response, new Dictionary<string, object?>
                {
                    ["id"] = repo.Id,
                    ["sha"] = repo.Commit,
                    ["gated"] = repo.GatedToken is null ? false : "manual",
                    ["private"] = false,
                    ["siblings"] = repo.Files.Select(f => new Dictionary<string, object> { ["rfilename"] = f.Path }).ToList(),
                });
                return;
            }

            var cursor = int.TryParse(request.QueryString["cursor"], CultureInfo.InvariantCulture, out var c) ? c : 0;
            var entries = repo.TreeEntries();
            var page = entries.Skip(cursor).Take(TreePageSize).ToList();
            if (cursor + TreePageSize < entries.Count)
                response.Headers["Link"] = $"<{Endpoint}/api/models/{repo.Id}/tree/{revision}?recursive=true&cursor={cursor + TreePageSize}>; rel=\"next\"";
            await JsonAsync(response, page);
            return;
        }

        if (segments.Length >= 5 && segments[2] == "resolve")
        {
            var repoId = $"{segments[0]}/{segments[1]}";
            var path = string.Join('/', segments[4..]);
            Requests.Enqueue(new RecordedRequest("resolve", repoId, path, request.Url.PathAndQuery, range, authorization));
            if (!_repos.TryGetValue(repoId, out var repo))
            {
                await RepoNotFoundAsync(response, authorization);
                return;
            }

            if (segments[3] != "main" && segments[3] != repo.Commit)
            {
                await ErrorAsync(response, 404, "RevisionNotFound", $"Invalid rev id: {segments[3]}");
                return;
            }

            if (repo.GatedToken is not null && authorization != $"Bearer {repo.GatedToken}")
            {
                if (authorization is null)
                {
                    await ErrorAsync(response, 401, "GatedRepo",
                        $"Access to model {repo.Id} is restricted. You must have access to it and be authenticated to access it. Please log in.");
                }
                else
                {
                    await ErrorAsync(response, 403, "GatedRepo",
                        $"Access to model {repo.Id} is restricted and you are not in the authorized list. Visit {Endpoint}/{repo.Id} to ask for access.");
                }

                return;
            }

            var file = repo.Files.FirstOrDefault(f => f.Path == path);
            if (file is null)
            {
                await ErrorAsync(response, 404, "EntryNotFound", $"{path} does not exist on \"{segments[3]}\"");
                return;
            }

            response.Headers["X-Repo-Commit"] = repo.Commit;
            if (file.IsLfs)
            {
                response.Headers["X-Linked-Etag"] = $"\"{file.Sha256}\"";
                response.Headers["X-Linked-Size"] = file.Size.ToString(CultureInfo.InvariantCulture);
                response.Headers["ETag"] = $"\"{file.GitOid}\"";
                response.Redirect($"{CdnBase}/cdn/{file.Sha256}");
                response.StatusCode = 302;
                response.Close();
                return;
            }

            response.Headers["ETag"] = $"\"{file.GitOid}\"";
            await ServeContentAsync(context, repo, file);
            return;
        }

        Requests.Enqueue(new RecordedRequest("other", null, null, request.Url.PathAndQuery, range, authorization));
        await ErrorAsync(response, 404, null, "Not Found");
    }

    private async Task HandleCdnAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var sha = request.Url!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        var found = _bySha256.TryGetValue(sha, out var entry);
        Requests.Enqueue(new RecordedRequest("cdn", found ? entry.Repo.Id : null, found ? entry.File.Path : null, request.Url.PathAndQuery,
            request.Headers["Range"], request.Headers["Authorization"]));
        if (!found)
        {
            await ErrorAsync(context.Response, 404, null, "NoSuchKey");
            return;
        }

        // A storage ETag of its own, as a CDN has: the client must not take it for the Hub's checksum.
        context.Response.Headers["ETag"] = $"\"{sha[..32]}-1\"";
        await ServeContentAsync(context, entry.Repo, entry.File);
    }

    private async Task ServeContentAsync(HttpListenerContext context, ServedRepo repo, ServedFile file)
    {
        var response = context.Response;
        var content = repo.Content(file);
        long start = 0;
        var range = context.Request.Headers["Range"];
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-') &&
            long.TryParse(range["bytes=".Length..^1], CultureInfo.InvariantCulture, out var from))
        {
            if (from >= content.Length)
            {
                response.StatusCode = 416;
                response.Headers["Content-Range"] = $"bytes */{content.Length}";
                response.Close();
                return;
            }

            start = from;
            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {start}-{content.Length - 1}/{content.Length}";
        }

        response.Headers["Accept-Ranges"] = "bytes";
        response.ContentType = "application/octet-stream";
        response.ContentLength64 = content.Length - start;
        long end = content.Length;
        var abort = _abortAt.TryGetValue(file.Path, out var abortAt) && abortAt > start &&
            _abortsLeft.AddOrUpdate(file.Path, 0, (_, left) => left - 1) >= 0;
        if (abort)
            end = abortAt;

        const int Chunk = 64 * 1024;
        for (var position = start; position < end; position += Chunk)
            await response.OutputStream.WriteAsync(content.AsMemory((int)position, (int)Math.Min(Chunk, end - position)));
        if (abort)
        {
            await response.OutputStream.FlushAsync();
            response.Abort();
            return;
        }

        response.Close();
    }

    private static Task RepoNotFoundAsync(HttpListenerResponse response, string? authorization) =>
        // Like the Hub: an anonymous request cannot tell "missing" from "private", so it gets 401; with a token, 404.
        ErrorAsync(response, authorization is null ? 401 : 404, "RepoNotFound",
            "Repository not found");

    private static async Task ErrorAsync(HttpListenerResponse response, int status, string? code, string message)
    {
        response.StatusCode = status;
        if (code is not null)
            response.Headers["X-Error-Code"] = code;
        response.Headers["X-Error-Message"] = message;
        await JsonAsync(response, new Dictionary<string, string> { ["error"] = message }, status);
    }

    private static async Task JsonAsync(HttpListenerResponse response, object body, int status = 200)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }
}

