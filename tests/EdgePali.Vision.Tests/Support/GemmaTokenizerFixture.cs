using EdgePali.Vision.Tokenization;

namespace EdgePali.Vision.Tests.Support;

/// <summary>The real Gemma tokenizer, loaded once per test class.</summary>
public sealed class GemmaTokenizerFixture
{
    public GemmaTokenizer Tokenizer { get; } =
        GemmaTokenizer.FromFile(RepositoryPaths.GemmaTokenizerJson, RepositoryPaths.GemmaTokenizerConfig);
}
