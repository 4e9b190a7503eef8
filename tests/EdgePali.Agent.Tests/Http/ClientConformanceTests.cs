using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgePali.Testing;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Http;

/// <summary>
/// The worker as real clients see it: the official `openai` npm client calling the chat endpoint (plain and
/// streamed), and Debian's headless Chromium showing the status page and searching the timeline (playwright-core
/// drives the system browser). Both are pinned in tests/conformance (./test.sh installs them and chromium).
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Conformance)]
public sealed class ClientConformanceTests(HttpWorkerFixture worker) : IClassFixture<HttpWorkerFixture>
{
    private static async Task<JsonNode> NodeAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Path.Combine(RepositoryPaths.Root, "tests", "conformance") };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var run = await ProcessRunner.RunAsync(start, TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonNode.Parse(run.Stdout.Trim().Split('\n')[^1])!;
    }

    [Fact]
    public async Task OpenAiNpmClient_GetsTheAnswer_AndTheSameAnswerStreamed()
    {
        var output = await NodeAsync("openai-chat.mjs", worker.BaseAddress + "v1", HttpWorkerFixture.ApiKey, HttpWorkerFixture.ImageDataUrl(), "caption en");

        var content = (string)output["content"]!;
        Assert.Equal("demo-tiny/int8", (string?)output["model"]);
        Assert.InRange((int)output["usage"]!["completion_tokens"]!, 1, 8);
        Assert.Equal(content, string.Concat(output["streamed"]!.AsArray().Select(p => (string)p!)));
        Assert.Equal("demo-tiny/int8", (string?)output["models"]![0]);
    }

    [Fact]
    public async Task StatusPage_InHeadlessChromium_ShowsTheCamera_AndASearchShowsTheMatchingResult()
    {
        var all = JsonNode.Parse(await worker.Client.GetStringAsync("/api/results?limit=20"))!["results"]!.AsArray();
        var word = all.Select(r => System.Text.RegularExpressions.Regex.Match((string)r!["text"]!, @"\p{L}[\p{L}\p{N}]{2,}").Value).First(w => w.Length > 0);

        var output = await NodeAsync("status-page.mjs", worker.BaseAddress.ToString().TrimEnd('/'), HttpWorkerFixture.ApiKey, word);

        Assert.Equal([HttpWorkerFixture.Camera], output["cameras"]!.AsArray().Select(c => (string)c!));
        Assert.Contains(output["tasks"]!.AsArray(), t => ((string)t!).StartsWith("caption", StringComparison.Ordinal));
        var results = output["results"]!.AsArray().Select(r => (string)r!).ToList();
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.Contains(word, r, StringComparison.OrdinalIgnoreCase));
    }
}
