using EdgePali.Quantize.Commands;
using EdgePali.Quantize.Hub;

namespace EdgePali.Quantize.Tests.Hub;

/// <summary>The `pull` command line end to end against <see cref="LocalHubServer"/>: exit codes, messages, and the token's secrecy.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class PullCommandTests : IClassFixture<ModelRepoFixture>, IDisposable
{
    private const string RepoId = "edge-tests/gated-paligemma";
    private const string Token = "hf_VerySecretToken0123456789";
    private readonly ModelRepoFixture _source;
    private readonly string _work = Directory.CreateTempSubdirectory("edgepali-pull-cli-").FullName;

    public PullCommandTests(ModelRepoFixture source) => _source = source;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Pull_GatedModelWithTokenFile_Succeeds_AndTheTokenNeverAppearsInTheOutput()
    {
        await using var server = LocalHubServer.Start();
        var repo = server.AddRepo(RepoId, _source.Folder, gatedToken: Token);
        var tokenFile = await WriteTokenFileAsync(Token);
        var output = Path.Combine(_work, "model");

        var (code, text) = await RunAsync("pull", RepoId, "--endpoint", server.Endpoint, "--token-file", tokenFile, "--out", output,
            "--files", "onnx/*_int8*", "config.json");

        Assert.True(code == 0, text);
        Assert.Contains($"Pulled {RepoId} at {repo.Commit}", text, StringComparison.Ordinal);
        Assert.Contains("4 downloaded", text, StringComparison.Ordinal);
        Assert.Contains($"Using the access token from {tokenFile}", text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "onnx", "decoder_model_merged_int8.onnx")));
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, await File.ReadAllTextAsync(Path.Combine(output, PullRecord.FileName)), StringComparison.Ordinal);
        Assert.Contains(server.Requests, r => r.Authorization == $"Bearer {Token}");
    }

    [Fact]
    public async Task Pull_GatedModelWithAWrongToken_FailsWithAClearMessage_AndNeverPrintsTheToken()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder, gatedToken: Token);
        const string Wrong = "hf_WrongAccountToken987654321";
        var tokenFile = await WriteTokenFileAsync(Wrong);

        var (code, text) = await RunAsync("pull", RepoId, "--endpoint", server.Endpoint, "--token-file", tokenFile, "--out", Path.Combine(_work, "model"));

        Assert.Equal(1, code);
        Assert.Contains("error:", text, StringComparison.Ordinal);
        Assert.Contains("gated model", text, StringComparison.Ordinal);
        Assert.Contains("accept the licence", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Wrong, text, StringComparison.Ordinal);
        Assert.Contains(server.Requests, r => r.Authorization == $"Bearer {Wrong}");
    }

    [Fact]
    public async Task Pull_TokenAndEndpointFromTheEnvironment_AreUsed()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder, gatedToken: Token);
        var before = (Environment.GetEnvironmentVariable("HF_TOKEN"), Environment.GetEnvironmentVariable("HF_ENDPOINT"));
        try
        {
            // Only this class reads these variables, and xunit runs the tests of one class one at a time.
            Environment.SetEnvironmentVariable("HF_TOKEN", Token);
            Environment.SetEnvironmentVariable("HF_ENDPOINT", server.Endpoint + "/");
            var (code, text) = await RunAsync("pull", RepoId, "--out", Path.Combine(_work, "env"), "--files", "*.json");

            Assert.True(code == 0, text);
            Assert.Contains("Using the access token from HF_TOKEN", text, StringComparison.Ordinal);
            Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(_work, "env", "tokenizer.json")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("HF_TOKEN", before.Item1);
            Environment.SetEnvironmentVariable("HF_ENDPOINT", before.Item2);
        }
    }

    [Fact]
    public async Task Pull_MissingTokenFile_FailsNamingTheFile()
    {
        var missing = Path.Combine(_work, "no-such-token");

        var (code, text) = await RunAsync("pull", RepoId, "--endpoint", "http://127.0.0.1:9", "--token-file", missing);

        Assert.Equal(1, code);
        Assert.Contains($"Cannot read the token file '{missing}'", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuantizeCli_HasThePullCommand() =>
        Assert.Equal(0, await QuantizeCli.RunAsync(["pull", "--help"]));

    private async Task<string> WriteTokenFileAsync(string token)
    {
        var path = Path.Combine(_work, $"token-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(path, token + "\n");
        return path;
    }

    private static Task<(int Code, string Output)> RunAsync(params string[] args) =>
        CliRunner.RunAsync(console => [PullCommand.Create(console)], args);
}
