namespace EdgePali.Vision.Tests;

/// <summary>Locations in the repository the tests need (the Node reference scripts).</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Conformance => Path.Combine(RepositoryRoot, "tests", "conformance");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgePali.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"EdgePali.sln not found above {AppContext.BaseDirectory}.");
    }
}
