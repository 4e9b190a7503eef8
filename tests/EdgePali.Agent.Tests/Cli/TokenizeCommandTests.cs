using System.CommandLine;
using EdgePali.Agent.Cli;

namespace EdgePali.Agent.Tests.Cli;

/// <summary>A package folder holding a copy of the real Gemma tokenizer.json (from tests/conformance), made once.</summary>
public sealed class TokenizerPackageFixture : IDisposable
{
    public TokenizerPackageFixture()
    {
        Directory.CreateDirectory(PackageDirectory);
        var models = RepositoryPaths.GemmaTokenizerModels;
        File.Copy(Path.Combine(models, "tokenizer.json"), Path.Combine(PackageDirectory, "tokenizer.json"));
        File.Copy(Path.Combine(models, "tokenizer_config.json"), Path.Combine(PackageDirectory, "tokenizer_config.json"));
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "edgepali-tokenize-" + Guid.NewGuid().ToString("N"));

    public string PackageDirectory => Path.Combine(Root, "package");

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

[Trait("Category", "Tokenizer")]
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class TokenizeCommandTests(TokenizerPackageFixture package) : IClassFixture<TokenizerPackageFixture>
{
    [Fact]
    public async Task Tokenize_PromptText_PrintsIdsAsJsonArray()
    {
        var (code, output, error) = await RunAsync("tokenize", "--model", package.PackageDirectory, "--text", "<image><bos>caption en\n");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal("[257152,2,21209,659,108]", output.TrimEnd());
    }

    [Fact]
    public async Task Tokenize_Decode_PrintsTextWithSpecialTokens_OrWithoutThem()
    {
        var ids = "[2,256051,256309,256708,256646,22043,1]";
        var (code, output, _) = await RunAsync("tokenize", "--model", package.PackageDirectory, "--decode", "--text", ids);
        Assert.Equal(0, code);
        Assert.Equal("<bos><loc0051><loc0309><loc0708><loc0646> shoe<eos>" + Environment.NewLine, output);

        (code, output, _) = await RunAsync("tokenize", "--model", package.PackageDirectory, "--decode", "--skip-special-tokens", "--text", ids);
        Assert.Equal(0, code);
        Assert.Equal("<loc0051><loc0309><loc0708><loc0646> shoe" + Environment.NewLine, output);
    }

    [Theory]
    [InlineData("[2, 21209")]
    [InlineData("caption en")]
    [InlineData("[2.5]")]
    [InlineData("{\"ids\": [2]}")]
    public async Task Tokenize_DecodeOfBadJson_FailsWithClearError(string text)
    {
        var (code, output, error) = await RunAsync("tokenize", "--model", package.PackageDirectory, "--decode", "--text", text);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("--text is not a JSON array of token ids", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_FolderWithoutTokenizerJson_FailsNamingTheFile()
    {
        var empty = Directory.CreateDirectory(Path.Combine(package.Root, "empty-" + Guid.NewGuid().ToString("N"))).FullName;
        var (code, output, error) = await RunAsync("tokenize", "--model", empty, "--text", "hi");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains(Path.Combine(empty, "tokenizer.json") + " not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_TruncatedTokenizerJson_FailsSayingItIsNotValidJson()
    {
        var broken = Directory.CreateDirectory(Path.Combine(package.Root, "broken-" + Guid.NewGuid().ToString("N"))).FullName;
        var json = await File.ReadAllBytesAsync(Path.Combine(package.PackageDirectory, "tokenizer.json"));
        await File.WriteAllBytesAsync(Path.Combine(broken, "tokenizer.json"), json[..(json.Length / 2)]);
        var (code, _, error) = await RunAsync("tokenize", "--model", broken, "--text", "hi");
        Assert.Equal(1, code);
        Assert.Contains("is not valid JSON", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EdgePaliCli_HasTheTokenizeCommand() =>
        Assert.Equal(0, await EdgePaliCli.RunAsync(["tokenize", "--help"]));

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var root = new RootCommand { TokenizeCommand.Create() };
        var code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
