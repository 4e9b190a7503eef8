using System.Text.RegularExpressions;

namespace EdgePali.Agent.Tests.Layering;

/// <summary>
/// Which Agent folder uses which, read from the source: `using EdgePali.Agent.X;` lines and names qualified by a
/// folder (`Hosting.AgentHost`, which resolves through the parent namespace without a using). It sees what the
/// compiled assembly hides from <see cref="FolderDependencyGraph"/>: a `const` from another folder is copied into
/// the IL as a number, so reflection cannot tell that Publishing used a Hosting constant.
/// </summary>
internal static partial class SourceFolderDependencies
{
    /// <summary>Top-level folder -> top-level folders its files name (itself excluded).</summary>
    public static Dictionary<string, SortedSet<string>> Build(string agentSourceDirectory)
    {
        var files = Directory.EnumerateFiles(agentSourceDirectory, "*.cs", SearchOption.AllDirectories)
            .Select(path => (Folder: TopFolder(agentSourceDirectory, path), Text: File.ReadAllText(path)))
            .Where(file => file.Folder is not null)
            .ToList();
        var typesByFolder = files
            .GroupBy(file => file.Folder!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(file => DeclaredType().Matches(file.Text).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

        var graph = typesByFolder.Keys.ToDictionary(folder => folder, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (folder, text) in files)
        {
            var uses = graph[folder!];
            foreach (Match m in AgentUsing().Matches(text))
                uses.Add(m.Groups[1].Value);
            foreach (Match m in FolderQualifiedName().Matches(text))
            {
                if (typesByFolder.TryGetValue(m.Groups[1].Value, out var types) && types.Contains(m.Groups[2].Value))
                    uses.Add(m.Groups[1].Value);
            }

            uses.Remove(folder!);
        }

        return graph;
    }

    private static string? TopFolder(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar);
        if (relative.Length < 2 || relative[0] is "bin" or "obj")
            return null;
        return relative[0];
    }

    [GeneratedRegex(@"^\s*using\s+(?:static\s+)?EdgePali\.Agent\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex AgentUsing();

    // `Hosting.AgentHost` but not `Microsoft.Extensions.Hosting.IHost`: no dot (or word) right before the folder name.
    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)\.([A-Z]\w*)")]
    private static partial Regex FolderQualifiedName();

    [GeneratedRegex(@"\b(?:class|struct|record|interface|enum)\s+([A-Z]\w*)")]
    private static partial Regex DeclaredType();
}
