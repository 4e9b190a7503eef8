namespace EdgePali.Testing;

/// <summary>A temporary folder, deleted when disposed (at the end of the test or fixture).</summary>
public sealed class TestDirectory : IDisposable
{
    public TestDirectory(string prefix = "edgepali-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment; a leftover temp folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Tests that make files read-only leave them; harmless in the temp folder.
        }
    }
}
