namespace EdgePali.Agent.Tests.Support;

/// <summary>Paths in the repository and the build output that tests run against.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding EdgePali.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The built `edgepali` executable (the apphost copied beside the tests).</summary>
    public static string Edgepali => Path.Combine(AppContext.BaseDirectory, "edgepali");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgePali.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"EdgePali.sln not found above {AppContext.BaseDirectory}");
    }
}
