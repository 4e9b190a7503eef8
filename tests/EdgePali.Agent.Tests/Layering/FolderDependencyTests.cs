using EdgePali.Agent.Pipeline;

namespace EdgePali.Agent.Tests.Layering;

/// <summary>
/// The Agent's folders form layers (Pipeline and Tasks at the bottom, Hosting and Cli at the top): a folder may use
/// the ones below it, never one that uses it back. An import cycle would make the folders one room again.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class FolderDependencyTests
{
    [Fact]
    public void CycleFinder_NamesTheCycleOfAHandMadeGraph()
    {
        var graph = new Dictionary<string, SortedSet<string>>
        {
            ["Hosting"] = ["Capture", "Mqtt"],
            ["Capture"] = ["Pipeline"],
            ["Mqtt"] = ["Publishing"],
            ["Publishing"] = ["Pipeline", "Mqtt"],
            ["Pipeline"] = [],
        };

        Assert.Equal(["Mqtt", "Publishing", "Mqtt"], FolderDependencyGraph.FindCycle(graph));
        graph["Publishing"].Remove("Mqtt");
        Assert.Null(FolderDependencyGraph.FindCycle(graph));
    }

    [Fact]
    public void Graph_SeesUsesThroughSignatures()
    {
        var graph = FolderDependencyGraph.Build(typeof(CameraRuntime).Assembly, depth: 1);

        // Capture fills the per-camera slot (a Pipeline type in its signatures); the scheduler reads it.
        Assert.Contains("Pipeline", graph["Capture"]);
        Assert.Contains("Pipeline", graph["Scheduling"]);
        Assert.Contains("Mqtt", graph["Hosting"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AgentFolders_HaveNoImportCycle(int depth)
    {
        var graph = FolderDependencyGraph.Build(typeof(CameraRuntime).Assembly, depth);

        var cycle = FolderDependencyGraph.FindCycle(graph);

        Assert.True(cycle is null, $"The Agent folders import each other in a cycle: {string.Join(" -> ", cycle ?? [])}. Move the shared type down (e.g. into Pipeline/ or Tasks/) or invert the dependency with an interface. Graph: {Describe(graph)}");
    }

    [Fact]
    public void AgentSources_HaveNoImportCycle()
    {
        var graph = SourceFolderDependencies.Build(Path.Combine(RepositoryPaths.Root, "src", "Agent"));

        var cycle = FolderDependencyGraph.FindCycle(graph);

        Assert.True(cycle is null, $"The Agent's source files import each other's folders in a cycle: {string.Join(" -> ", cycle ?? [])}. Graph: {Describe(graph)}");
    }

    [Fact]
    public void SourceScan_SeesAConstantThatReflectionCannot()
    {
        using var directory = new TestDirectory();
        var root = directory.Path;
        Directory.CreateDirectory(Path.Combine(root, "Hosting"));
        Directory.CreateDirectory(Path.Combine(root, "Publishing"));
        File.WriteAllText(Path.Combine(root, "Hosting", "AgentHost.cs"), "namespace EdgePali.Agent.Hosting;\nusing EdgePali.Agent.Publishing;\npublic static class AgentHost { public const int ExitFailure = 1; }");
        File.WriteAllText(Path.Combine(root, "Publishing", "Dispatcher.cs"), "namespace EdgePali.Agent.Publishing;\nusing Microsoft.Extensions.Hosting;\nclass Dispatcher { int Code => Hosting.AgentHost.ExitFailure; }");

        var graph = SourceFolderDependencies.Build(root);

        Assert.Equal(["Hosting", "Publishing", "Hosting"], FolderDependencyGraph.FindCycle(graph));
    }

    private static string Describe(Dictionary<string, SortedSet<string>> graph) =>
        string.Join("; ", graph.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} -> {string.Join(",", p.Value)}"));
}
