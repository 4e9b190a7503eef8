using System.Text;
using EdgePali.Vision.Tokenization;

namespace EdgePali.Vision.Tests.Tokenization;

/// <summary>One synthetic tokenizer, its hand-picked and random texts and id sequences, and transformers.js's answers.</summary>
public abstract class SyntheticTokenizerFixture : IDisposable
{
    private static readonly string[] HandPicked =
    [
        "", " ", "abc", "cab", "Zéé", "a b c", "  [L]  x  [R]  y", "I love new york!", "new  york", "new york", "xyz", "xyzxy", "qqq eee",
        "it 's fine , isn't it . ok ? yes !", "[R][R] [L][L]", "\n[L]\n", "🦙 a", "Zé", "st s t", "<bos>ab<sep>", "aaaa", "abcabc",
        "new york new york", "[L]", "[R]", " [L] ", "\t[R]\t\n", "a\u00A0[R]\u2028b", "\uFEFF[L]",
    ];

    /// <param name="write">Writes the variant's files into the given folder; returns tokenizer.json and the optional config.</param>
    protected SyntheticTokenizerFixture(Func<string, (string Tokenizer, string? Config)> write, int vocabularySize, int seed)
    {
        // Each fixture owns its folder: xunit disposes class fixtures independently, so a shared folder would be
        // deleted under a fixture that has not been built yet.
        Directory = System.IO.Directory.CreateTempSubdirectory("edgepali-synthetic-tokenizers-").FullName;
        var (tokenizerJson, tokenizerConfig) = write(Directory);
        Tokenizer = GemmaTokenizer.FromFile(tokenizerJson, tokenizerConfig);
        var texts = HandPicked.Concat(SyntheticTokenizers.RandomTexts(seed, 300)).ToList();
        var idSequences = SyntheticTokenizers.RandomIds(seed, 200, vocabularySize);
        var answers = TransformersJsTokenizer.Run(texts, idSequences, tokenizerJson, tokenizerConfig);
        TextAnswers = texts.Select((text, i) => (text, answers[i])).ToList();
        IdAnswers = idSequences.Select((ids, i) => (ids, answers[texts.Count + i])).ToList();
    }

    public string Directory { get; }

    public GemmaTokenizer Tokenizer { get; }

    public IReadOnlyList<(string Text, ReferenceAnswer Answer)> TextAnswers { get; }

    public IReadOnlyList<(int[] Ids, ReferenceAnswer Answer)> IdAnswers { get; }

    public int[] AnswerFor(string text) => TextAnswers.First(a => a.Text == text).Answer.Ids!;

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
            System.IO.Directory.Delete(Directory, recursive: true);
        GC.SuppressFinalize(this);
    }
}

public sealed class SyntheticVariantAFixture() : SyntheticTokenizerFixture(dir => (SyntheticTokenizers.WriteVariantA(dir), null), 40, 11);

public sealed class SyntheticVariantBFixture() : SyntheticTokenizerFixture(dir => SyntheticTokenizers.WriteVariantB(dir), 160, 12);

[Trait("Category", "Tokenizer")]
[Trait(TestKinds.Trait, TestKinds.Conformance)]
public sealed class SyntheticVariantATests(SyntheticVariantAFixture fixture) : IClassFixture<SyntheticVariantAFixture>
{
    [Fact]
    public void EncodeAndDecode_MatchTransformersJs() => SyntheticChecks.AssertMatches(fixture);

    [Fact]
    public void Reference_ExercisesTheBranchesThisVariantIsFor()
    {
        // ignore_merges takes a whole-word piece directly; rules over pieces outside the vocabulary still chain
        // ("x y" then "xy z"); unknown pieces are fused into one <unk> (3); "[L]" strips the spaces before it,
        // "[R]" those after it; "new york" is matched after normalization.
        Assert.Equal([32], fixture.AnswerFor("cab"));
        Assert.Equal([30], fixture.AnswerFor("xyz"));
        Assert.Equal([3, 15, 3, 8], fixture.AnswerFor("qqq eee")); // "qq"+"q" fused; "ee" unknown, then "e"
        Assert.Equal([34, 31, 3, 31, 35, 11], fixture.AnswerFor("  [L]  x  [R]  y"));
        Assert.Equal([3, 15, 3, 12, 3, 8, 15, 36, 21], fixture.AnswerFor("I love new york!"));
    }
}

[Trait("Category", "Tokenizer")]
[Trait(TestKinds.Trait, TestKinds.Conformance)]
public sealed class SyntheticVariantBTests(SyntheticVariantBFixture fixture) : IClassFixture<SyntheticVariantBFixture>
{
    [Fact]
    public void EncodeAndDecode_MatchTransformersJs() => SyntheticChecks.AssertMatches(fixture);

    [Fact]
    public void Reference_ExercisesTheBranchesThisVariantIsFor()
    {
        // The rule "a b" is listed twice: the later rank (4) wins, so "b c" (rank 2) merges first.
        Assert.Equal([4, 12], fixture.AnswerFor("abc"));
        // Byte fallback for ASCII "Z" (<0x5A>, id 20 + 0x5A); "é" needs bytes the vocabulary lacks: <unk>, unfused.
        Assert.Equal([110, 3, 3], fixture.AnswerFor("Zéé"));
    }

    [Fact]
    public void Decode_ByteLikePieces_FollowJavaScriptParseInt()
    {
        // "<0x 5>" -> parseInt(" 5", 16) = 5, "<0x-1>" -> -1 -> byte 255, "<0x5z>" -> 5, "<0xzz>" and "<0x0x>" are not bytes.
        Assert.Equal(5, PieceDecoder.ByteOf("<0x 5>"));
        Assert.Equal(255, PieceDecoder.ByteOf("<0x-1>"));
        Assert.Equal(5, PieceDecoder.ByteOf("<0x5z>"));
        Assert.Equal(-1, PieceDecoder.ByteOf("<0xzz>"));
        Assert.Equal(-1, PieceDecoder.ByteOf("<0x0x>"));
        Assert.Equal(0xAB, PieceDecoder.ByteOf("<0xAB>"));
    }
}

internal static class SyntheticChecks
{
    public static void AssertMatches(SyntheticTokenizerFixture fixture)
    {
        var mismatches = new StringBuilder();
        foreach (var (text, answer) in fixture.TextAnswers)
        {
            var ids = fixture.Tokenizer.Encode(text);
            if (!answer.Ids!.SequenceEqual(ids))
                mismatches.AppendLine($"encode \"{text}\": expected [{string.Join(',', answer.Ids!)}] got [{string.Join(',', ids)}]");
            Check(mismatches, $"decode of \"{text}\"", answer, fixture.Tokenizer.Decode(answer.Ids!), fixture.Tokenizer.Decode(answer.Ids!, true));
        }

        foreach (var (ids, answer) in fixture.IdAnswers)
            Check(mismatches, $"decode [{string.Join(',', ids)}]", answer, fixture.Tokenizer.Decode(ids), fixture.Tokenizer.Decode(ids, true));
        Assert.True(mismatches.Length == 0, mismatches.ToString());
    }

    private static void Check(StringBuilder mismatches, string what, ReferenceAnswer answer, string decoded, string skipped)
    {
        if (decoded != answer.Decoded)
            mismatches.AppendLine($"{what}: expected \"{answer.Decoded}\" got \"{decoded}\"");
        if (skipped != answer.DecodedSkippingSpecial)
            mismatches.AppendLine($"{what} skipping special: expected \"{answer.DecodedSkippingSpecial}\" got \"{skipped}\"");
    }
}
