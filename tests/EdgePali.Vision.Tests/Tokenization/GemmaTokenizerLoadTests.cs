using System.Text;
using EdgePali.Vision.Tokenization;

namespace EdgePali.Vision.Tests.Tokenization;

/// <summary>Loading: files that already carry PaliGemma's tokens, and clear errors for everything else.</summary>
[Trait("Category", "Tokenizer")]
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class GemmaTokenizerLoadTests(GemmaTokenizerFixture fixture) : IClassFixture<GemmaTokenizerFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("edgepali-tokenizer-load-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void FromFile_TokenizerThatAlreadyHasPaliGemmaTokens_EncodesTheSame()
    {
        var entries = new StringBuilder();
        for (var i = 0; i < 1024; i++)
            entries.Append($$"""{"id":{{256000 + i}},"content":"<loc{{i:D4}}>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":false},""");
        for (var i = 0; i < 128; i++)
            entries.Append($$"""{"id":{{257024 + i}},"content":"<seg{{i:D3}}>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":false},""");
        entries.Append("""{"id":257152,"content":"<image>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},""");
        var path = WriteRealTokenizerWithAddedTokens(entries.ToString());

        var tokenizer = GemmaTokenizer.FromFile(path, RepositoryPaths.GemmaTokenizerConfig);

        foreach (var text in (string[])["<image><image><bos>detect cat ; dog\n", "<loc0000><loc1023><seg000><seg127> x", "plain text"])
            Assert.Equal(fixture.Tokenizer.Encode(text), tokenizer.Encode(text));
        Assert.Equal(fixture.Tokenizer.VocabularySize, tokenizer.VocabularySize);
    }

    [Fact]
    public void FromFile_TokenizerGivingImageAnotherId_IsRejected()
    {
        var path = WriteRealTokenizerWithAddedTokens(
            """{"id":300000,"content":"<image>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},""");
        var error = Assert.Throws<TokenizerLoadException>(() => GemmaTokenizer.FromFile(path));
        Assert.Contains("gives <image> the id 300000; PaliGemma uses 257152", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_TwoPiecesSharingAnId_IsRejected()
    {
        var path = WriteRealTokenizerWithAddedTokens(
            """{"id":5,"content":"<image>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},""");
        var error = Assert.Throws<TokenizerLoadException>(() => GemmaTokenizer.FromFile(path));
        Assert.Contains("gives id 5 to both", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDirectory_MissingFolder_SaysSo()
    {
        var missing = Path.Combine(_work, "no-such-package");
        var error = Assert.Throws<TokenizerLoadException>(() => GemmaTokenizer.FromDirectory(missing));
        Assert.Contains($"Model folder \"{missing}\" does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDirectory_FolderWithoutTokenizerJson_NamesTheFile()
    {
        var error = Assert.Throws<TokenizerLoadException>(() => GemmaTokenizer.FromDirectory(_work));
        Assert.Contains(Path.Combine(_work, "tokenizer.json") + " not found", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0", "is not valid JSON")]
    [InlineData("[1, 2, 3]", "the top level should be StartObject")]
    [InlineData("""{"model": {"type": "Unigram", "vocab": {"a": 0}}, "decoder": null}""", "model.type is \"Unigram\"")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": "zero"}}}""", "has a value of the wrong type")]
    [InlineData("""{"pre_tokenizer": {"type": "Metaspace"}, "model": {"type": "BPE", "vocab": {"a": 0}}}""", "it has a pre_tokenizer")]
    [InlineData("""{"normalizer": {"type": "NFKC"}, "model": {"type": "BPE", "vocab": {"a": 0}}}""", "is not a literal one-character Replace")]
    [InlineData("""{"decoder": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0}}}""", "is not Gemma's Sequence [Replace, ByteFallback, Fuse]")]
    [InlineData("""{"model": {"type": "BPE", "dropout": 0.1, "vocab": {"a": 0}}}""", "model.dropout is set")]
    [InlineData("""{"model": {"type": "BPE", "unk_token": "<unk>", "vocab": {"a": 0}, "merges": []}, "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]}}""", "model.unk_token \"<unk>\" is not in the vocabulary")]
    public void FromFile_UnusableTokenizerJson_FailsWithTheReason(string json, string reason)
    {
        var path = Path.Combine(_work, "tokenizer.json");
        File.WriteAllText(path, json);
        var error = Assert.Throws<TokenizerLoadException>(() => GemmaTokenizer.FromFile(path));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_ConfigAskingForLowercasing_IsRejected()
    {
        var config = Path.Combine(_work, "tokenizer_config.json");
        File.WriteAllText(config, """{"do_lowercase_and_remove_accent": true}""");
        var error = Assert.Throws<TokenizerLoadException>(() => GemmaTokenizer.FromFile(RepositoryPaths.GemmaTokenizerJson, config));
        Assert.Contains("do_lowercase_and_remove_accent", error.Message, StringComparison.Ordinal);
    }

    private string WriteRealTokenizerWithAddedTokens(string entries)
    {
        var json = File.ReadAllText(RepositoryPaths.GemmaTokenizerJson);
        var at = json.IndexOf("\"added_tokens\": [", StringComparison.Ordinal);
        Assert.True(at >= 0, "the real tokenizer.json lists added_tokens");
        at += "\"added_tokens\": [".Length;
        var path = Path.Combine(_work, "tokenizer.json");
        File.WriteAllText(path, string.Concat(json.AsSpan(0, at), entries, json.AsSpan(at)));
        return path;
    }
}
