using EdgePali.Vision.Tokenization;

namespace EdgePali.Vision.Tests.Support;

/// <summary>
/// Loads the real Gemma tokenizer once and asks transformers.js, in one Node run, about every text and id
/// sequence the conformance tests check: the hand-picked corpus, seeded random texts and random id sequences.
/// </summary>
public sealed class TokenizerConformanceFixture
{
    public const int RandomTextSeed = 20261127;
    public const int RandomIdSeed = 4242;

    public TokenizerConformanceFixture()
    {
        Tokenizer = GemmaTokenizer.FromFile(RepositoryPaths.GemmaTokenizerJson, RepositoryPaths.GemmaTokenizerConfig);
        CorpusTexts = TokenizerCorpus.Texts;
        RandomTexts = TokenizerCorpus.RandomTexts(RandomTextSeed, 400);
        IdSequences = TokenizerCorpus.RandomIdSequences(RandomIdSeed, 400);

        var texts = CorpusTexts.Concat(RandomTexts).ToList();
        var answers = TransformersJsTokenizer.Run(texts, IdSequences, RepositoryPaths.GemmaTokenizerJson, RepositoryPaths.GemmaTokenizerConfig);
        TextAnswers = texts.Select((text, i) => (text, answers[i])).ToList();
        IdAnswers = IdSequences.Select((ids, i) => (ids, answers[texts.Count + i])).ToList();
    }

    public GemmaTokenizer Tokenizer { get; }

    public IReadOnlyList<string> CorpusTexts { get; }

    public IReadOnlyList<string> RandomTexts { get; }

    public IReadOnlyList<int[]> IdSequences { get; }

    /// <summary>transformers.js's answer for every corpus and random text, in order.</summary>
    public IReadOnlyList<(string Text, ReferenceAnswer Answer)> TextAnswers { get; }

    /// <summary>transformers.js's decodes of every random id sequence.</summary>
    public IReadOnlyList<(int[] Ids, ReferenceAnswer Answer)> IdAnswers { get; }

    public ReferenceAnswer AnswerFor(string text) => TextAnswers.First(a => a.Text == text).Answer;
}
