using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgePali.Testing;

namespace EdgePali.Agent.Tests.Http;

/// <summary>The OpenAI-compatible endpoint on the real tiny model, called over real HTTP.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class ChatCompletionTests(HttpWorkerFixture worker) : IClassFixture<HttpWorkerFixture>
{
    private static readonly string[] FinishReasons = ["stop", "length"];

    private static string Request(string prompt, bool stream, int maxTokens = 8) => new JsonObject
    {
        ["model"] = "edgepali",
        ["stream"] = stream,
        ["max_tokens"] = maxTokens,
        ["temperature"] = 0.2,
        ["messages"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = "You describe camera images." },
            new JsonObject
            {
                ["role"] = "user",
                ["content"] = new JsonArray(
                    new JsonObject { ["type"] = "text", ["text"] = prompt },
                    new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = HttpWorkerFixture.ImageDataUrl() } }),
            }),
    }.ToJsonString();

    private async Task<JsonObject> CompleteAsync(string prompt, int maxTokens = 8)
    {
        using var response = await worker.Client.PostAsync("/v1/chat/completions", new StringContent(Request(prompt, false, maxTokens), Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!.AsObject();
    }

    [Fact]
    public async Task Completion_AnswersWithContentUsageModelAndTheAnalysis()
    {
        var completion = await CompleteAsync("caption en");

        Assert.Equal("chat.completion", (string?)completion["object"]);
        Assert.Equal("demo-tiny/int8", (string?)completion["model"]);
        var content = (string?)completion["choices"]![0]!["message"]!["content"];
        Assert.Equal("assistant", (string?)completion["choices"]![0]!["message"]!["role"]);
        Assert.Equal((string?)completion["edgepali"]!["text"], content);
        Assert.Equal("caption en", (string?)completion["edgepali"]!["prompt"]);
        var usage = completion["usage"]!;
        Assert.InRange((int)usage["completion_tokens"]!, 1, 8);
        Assert.True((int)usage["prompt_tokens"]! > 2);
        Assert.Equal((int)usage["prompt_tokens"]! + (int)usage["completion_tokens"]!, (int)usage["total_tokens"]!);
    }

    [Fact]
    public async Task PlainText_IsAskedAsAQuestion_AndDetectPrefixReturnsObjects()
    {
        var question = await CompleteAsync("Is there a car in the driveway?");
        var detect = await CompleteAsync("detect cat ; dog", maxTokens: 12);

        Assert.Equal("answer en Is there a car in the driveway?", (string?)question["edgepali"]!["prompt"]);
        Assert.Equal("detect cat ; dog", (string?)detect["edgepali"]!["prompt"]);
        // Constrained decoding: the structured objects are always there for a detect prompt (maybe empty), each with a box.
        var objects = detect["edgepali"]!["objects"]!.AsArray();
        Assert.All(objects, o => Assert.Equal(4, o!["box"]!.AsArray().Count));
    }

    [Fact]
    public async Task Streaming_SendsTheAnswerTokenByToken_AddingUpToTheSameAnswer()
    {
        var whole = (string)(await CompleteAsync("caption en", maxTokens: 8))["choices"]![0]!["message"]!["content"]!;

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(Request("caption en", true, 8), Encoding.UTF8, "application/json") };
        using var response = await worker.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<JsonObject>();
        var done = false;
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                    continue;
                if (line == "data: [DONE]")
                {
                    done = true;
                    break;
                }

                events.Add(JsonNode.Parse(line["data: ".Length..])!.AsObject());
            }
        }

        Assert.True(done, "the stream ends with data: [DONE]");
        Assert.All(events, e => Assert.Equal("chat.completion.chunk", (string?)e["object"]));
        var pieces = events.Select(e => (string?)e["choices"]![0]!["delta"]!["content"]).Where(p => !string.IsNullOrEmpty(p)).ToList();
        var tokens = (int)events[^1]["edgepali"]!["tokens"]!["generated"]!;
        // One event per piece of text as tokens are generated (not one block at the end): as many pieces as tokens
        // that completed text, and more than one for a multi-token answer.
        Assert.True(tokens < 2 || pieces.Count >= 2, $"{pieces.Count} pieces for {tokens} tokens");
        Assert.Equal(whole, string.Concat(pieces));
        Assert.Contains((string?)events[^1]["choices"]![0]!["finish_reason"], FinishReasons);
    }

    [Fact]
    public async Task Models_ListsTheLoadedPackage()
    {
        var models = JsonNode.Parse(await worker.Client.GetStringAsync("/v1/models"))!;
        Assert.Equal("list", (string?)models["object"]);
        Assert.Equal("demo-tiny/int8", (string?)models["data"]![0]!["id"]);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"caption en"}]}""", "no image")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"text","text":"caption en"},{"type":"image_url","image_url":{"url":"http://10.0.0.1/cam.jpg"}}]}]}""", "not fetched")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"text","text":"caption en"},{"type":"image_url","image_url":{"url":"data:image/png;base64,aGVsbG8="}}]}]}""", "could not be decoded")]
    [InlineData("""{"prompt":"caption en"}""", "'messages'")]
    public async Task BadRequests_Get400WithAMessageSayingWhatToSend(string body, string expected)
    {
        using var response = await worker.Client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutTheApiKey_RequestsAreRefused_ButProbesAnswer()
    {
        using var anonymous = new HttpClient { BaseAddress = worker.BaseAddress };
        using var refused = await anonymous.GetAsync("/v1/models");
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/status") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "not-the-key-000000000") } };
        using var refusedWrong = await anonymous.SendAsync(wrong);
        using var health = await anonymous.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedWrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Metrics_ArePrometheusText_WithStageHistogramsAndCameraCounters()
    {
        var text = await worker.Client.GetStringAsync("/metrics");

        Assert.Contains("edgepali_stage_duration_seconds_bucket{stage=\"decode\",le=", text, StringComparison.Ordinal);
        Assert.Matches("edgepali_frames_captured_total\\{camera=\"yard\"\\} [1-9]", text);
        Assert.Matches("edgepali_analyses_total\\{camera=\"yard\"\\} [1-9]", text);
        Assert.Contains("edgepali_model_loaded 1", text, StringComparison.Ordinal);
        Assert.Contains("edgepali_resident_memory_bytes ", text, StringComparison.Ordinal);
        Assert.Contains("edgepali_queue_depth{stage=\"infer\"}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeline_SearchFindsAResultByAWordOfItsText_AndStatusListsTheCamera()
    {
        var all = JsonNode.Parse(await worker.Client.GetStringAsync("/api/results?limit=20"))!["results"]!.AsArray();
        var withWord = all.Select(r => (Result: r!, Word: System.Text.RegularExpressions.Regex.Match((string)r!["text"]!, @"\p{L}[\p{L}\p{N}]{2,}").Value))
            .First(r => r.Word.Length > 0);
        var found = JsonNode.Parse(await worker.Client.GetStringAsync($"/api/results?q={Uri.EscapeDataString(withWord.Word)}&camera=yard"))!["results"]!.AsArray();
        var none = JsonNode.Parse(await worker.Client.GetStringAsync($"/api/results?q={Uri.EscapeDataString(withWord.Word)}&camera=elsewhere"))!["results"]!.AsArray();
        var status = JsonNode.Parse(await worker.Client.GetStringAsync("/api/status"))!;
        using var thumbnail = await worker.Client.GetAsync((string)withWord.Result["thumbnail"]!);

        Assert.Contains(found, r => (long)r!["seq"]! == (long)withWord.Result["seq"]!);
        Assert.All(found, r => Assert.Contains(withWord.Word, (string)r!["text"]!, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(none);
        Assert.Equal("yard", (string?)status["cameras"]![0]!["name"]);
        Assert.Equal("caption", (string?)status["cameras"]![0]!["tasks"]![0]!["name"]);
        Assert.NotNull(status["cameras"]![0]!["tasks"]![0]!["last"]);
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);
    }
}
