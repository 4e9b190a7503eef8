using System.IO.Enumeration;

namespace EdgePali.Quantize.Hub;

/// <summary>
/// Selects repository files with the glob patterns given to <c>--files</c>, with huggingface_hub's
/// <c>allow_patterns</c> semantics (fnmatch): <c>*</c> matches any run of characters including <c>/</c>,
/// <c>?</c> one character, matching is case-sensitive, and a pattern ending in <c>/</c> selects the whole folder.
/// The BCL's <see cref="FileSystemName.MatchesSimpleExpression(ReadOnlySpan{char}, ReadOnlySpan{char}, bool)"/>
/// implements exactly the <c>*</c>/<c>?</c> part, so no globbing package is needed.
/// </summary>
internal static class FileGlob
{
    /// <summary>True when <paramref name="path"/> matches at least one pattern; no patterns select everything.</summary>
    public static bool IsSelected(string path, IReadOnlyCollection<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        return patterns.Count == 0 || patterns.Any(p => Matches(p, path));
    }

    public static bool Matches(string pattern, string path)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var normalised = pattern.Replace('\\', '/').TrimStart('/');
        if (normalised.StartsWith("./", StringComparison.Ordinal))
            normalised = normalised[2..];
        if (normalised.EndsWith('/'))
            normalised += "*";
        return FileSystemName.MatchesSimpleExpression(normalised, path, ignoreCase: false);
    }

    /// <summary>The patterns that select none of <paramref name="paths"/> (most likely typos: the pull refuses them).</summary>
    public static IReadOnlyList<string> Unmatched(IReadOnlyCollection<string> patterns, IReadOnlyCollection<string> paths)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(paths);
        return patterns.Where(p => !paths.Any(path => Matches(p, path))).ToList();
    }
}
