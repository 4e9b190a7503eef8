using System.Net;
using System.Text;
using EdgePali.Agent.Hosting;
using EdgePali.Agent.Resilience;
using EdgePali.Agent.Tests.Support;
using EdgePali.Testing;

namespace EdgePali.Agent.Tests.Http;

/// <summary>What the HTTP server refuses: listening beyond loopback without a key, and requests beyond the shared model queue.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class HttpLimitsTests : IDisposable
{
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Theory]
    [InlineData("http://0.0.0.0:8780", "", "listens beyond this machine (http://0.0.0.0:8780) without an API key")]
    [InlineData("http://*:8780", "", "without an API key")]
    [InlineData("http://127.0.0.1:8780", "--Http:ApiKey=short", "shorter than 16 characters")]
    [InlineData("http://127.0.0.1:8780", "--Http:ApiKeyFile=/no/such/key", "Http:ApiKeyFile: '/no/such/key' does not exist")]
    [InlineData("ftp://127.0.0.1:8780", "", "is not an http:// URL")]
    public async Task UnsafeOrBrokenHttpSettings_RefuseToStart_NamingTheProblem(string urls, string extra, string expected)
    {
        List<string> arguments = [.. AgentRun.BaseArguments(_state.Path), $"--Http:Urls={urls}"];
        if (extra.Length > 0)
            arguments.Add(extra);
        using var errors = new StringWriter();

        var code = await AgentHost.RunAsync(null, arguments, TimeSpan.FromSeconds(5), errors, null, CancellationToken.None);

        Assert.Equal(ExitCodes.InvalidConfiguration, code);
        Assert.Contains(expected, errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsBeyondTheSharedQueue_Get429_AndTheOthersAreAnswered()
    {
        var port = FreePort.Next();
        List<string> arguments = [.. AgentRun.BaseArguments(_state.Path), $"--Http:Urls=http://127.0.0.1:{port}",
            "--Cameras:0:Name=yard", "--Cameras:0:Source=testpattern", "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:Trigger=command"];
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(1) };
        var body = $$$"""{"messages":[{"role":"user","content":[{"type":"text","text":"caption en"},{"type":"image_url","image_url":{"url":"{{{HttpWorkerFixture.ImageDataUrl()}}}"}}]}]}""";
        var statuses = new List<(HttpStatusCode Status, string? RetryAfter)>();
        var done = false;

        async Task Clients()
        {
            while (true)
            {
                try
                {
                    using var ready = await client.GetAsync("/readyz");
                    if (ready.IsSuccessStatusCode)
                        break;
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                await Task.Delay(50);
            }

            // One runs, AskRequest.QueueCapacity wait, the rest are refused at once.
            var requests = Enumerable.Range(0, 8).Select(async _ =>
            {
                using var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
                lock (statuses)
                    statuses.Add((response.StatusCode, response.Headers.RetryAfter?.ToString()));
            });
            await Task.WhenAll(requests);
            done = true;
        }

        var clients = Task.Run(Clients);
        var run = await AgentRun.RunUntilAsync(arguments, () => done, TimeSpan.FromSeconds(90), new SlowTestAnalyzer(TimeSpan.FromMilliseconds(400)));
        await clients;

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Errors);
        Assert.Equal(8, statuses.Count);
        Assert.Contains(statuses, s => s.Status == HttpStatusCode.TooManyRequests && s.RetryAfter == "5");
        Assert.InRange(statuses.Count(s => s.Status == HttpStatusCode.OK), 1, 1 + EdgePali.Agent.Pipeline.AskRequest.QueueCapacity);
        Assert.All(statuses, s => Assert.True(s.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, s.Status.ToString()));
    }
}
