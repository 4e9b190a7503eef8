namespace EdgePali.Quantize.Hub;

/// <summary>
/// Reads the RFC 8288 <c>Link</c> header with which the Hub paginates its tree API
/// (<c>&lt;https://huggingface.co/api/models/o/n/tree/sha?recursive=true&amp;cursor=...&gt;; rel="next"</c>).
/// </summary>
internal static class LinkHeader
{
    /// <summary>The target of the <c>rel="next"</c> link, or null when there is no next page.</summary>
    public static string? NextUrl(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
            return null;
        foreach (var link in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var close = link.IndexOf('>', StringComparison.Ordinal);
            if (!link.StartsWith('<') || close < 0)
                continue;
            var parameters = link[(close + 1)..].Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parameters.Any(p => p.Replace(" ", "", StringComparison.Ordinal) is "rel=\"next\"" or "rel=next"))
                return link[1..close];
        }

        return null;
    }
}
