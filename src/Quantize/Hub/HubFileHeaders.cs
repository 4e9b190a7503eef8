using System.Globalization;

namespace EdgePali.Quantize.Hub;

/// <summary>The Hub's metadata headers for one file, read from the hops the Hub itself answered (not the CDN's).</summary>
internal sealed class HubFileHeaders
{
    /// <summary>X-Repo-Commit: the commit the file was served from.</summary>
    public string? RepoCommit { get; private set; }

    /// <summary>X-Linked-Etag (LFS: the sha256) or, for files in git, ETag (the git blob id); quotes removed.</summary>
    public string? Etag { get; private set; }

    /// <summary>X-Linked-Size: the size of an LFS file.</summary>
    public long? LinkedSize { get; private set; }

    /// <summary>X-Xet-Hash was sent: the file lives in Xet storage, whose ETag semantics are not documented as sha256.</summary>
    public bool IsXet { get; private set; }

    internal void Collect(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("X-Repo-Commit", out var commit))
            RepoCommit = commit.FirstOrDefault();
        if (response.Headers.TryGetValues("X-Linked-Etag", out var linked))
            Etag = Normalise(linked.FirstOrDefault());
        else if (response.Headers.ETag is { } etag && Etag is null)
            Etag = Normalise(etag.Tag);
        if (response.Headers.Contains("X-Xet-Hash"))
            IsXet = true;
        if (response.Headers.TryGetValues("X-Linked-Size", out var size) &&
            long.TryParse(size.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
        {
            LinkedSize = bytes;
        }
    }

    // The Hub sends strong ETags ("..."); a weak prefix is tolerated.
    private static string? Normalise(string? etag) => etag?.Replace("W/", "", StringComparison.Ordinal).Trim('"').ToLowerInvariant();
}
