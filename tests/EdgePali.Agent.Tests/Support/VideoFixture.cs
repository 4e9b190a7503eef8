namespace EdgePali.Agent.Tests.Support;

/// <summary>Writes the test video once per test class.</summary>
public sealed class VideoFixture : IDisposable
{
    public TestVideo Video { get; } = new();

    public void Dispose() => Video.Dispose();
}
