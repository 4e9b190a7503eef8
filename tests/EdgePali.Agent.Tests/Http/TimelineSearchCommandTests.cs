using System.Text.Json.Nodes;
using EdgePali.Testing;
using EdgePali.Agent.Tests.Mqtt;

namespace EdgePali.Agent.Tests.Http;

/// <summary>The timeline search as an MQTT command (`set` op `search`), on the worker's own broker.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class TimelineSearchCommandTests(HttpWorkerFixture worker) : IClassFixture<HttpWorkerFixture>
{
    [Fact]
    public async Task SearchCommand_RepliesWithTheMatchingResults_AndNamesABadField()
    {
        var all = JsonNode.Parse(await worker.Client.GetStringAsync("/api/results?limit=20"))!["results"]!.AsArray();
        var word = all.Select(r => System.Text.RegularExpressions.Regex.Match((string)r!["text"]!, @"\p{L}[\p{L}\p{N}]{2,}").Value).First(w => w.Length > 0);
        await using var client = await MqttTestClient.ConnectAsync(worker.MqttPort, ["edgepali/dev1/yard/set/reply"]);

        await client.PublishAsync("edgepali/dev1/yard/set", new JsonObject { ["id"] = "s1", ["op"] = "search", ["q"] = word, ["limit"] = 5 }.ToJsonString());
        await client.PublishAsync("edgepali/dev1/yard/set", """{"id":"s2","op":"search","query":"x"}""");
        var replies = await client.WaitForAsync(ms => ms.Count >= 2, TimeSpan.FromSeconds(20), "two replies");

        var found = replies.Select(m => JsonNode.Parse(m.Text)!).Single(r => (string?)r["id"] == "s1");
        var refused = replies.Select(m => JsonNode.Parse(m.Text)!).Single(r => (string?)r["id"] == "s2");
        Assert.True((bool)found["ok"]!);
        var results = found["results"]!.AsArray();
        Assert.InRange(results.Count, 1, 5);
        Assert.All(results, r => Assert.Contains(word, (string)r!["text"]!, StringComparison.OrdinalIgnoreCase));
        Assert.False((bool)refused["ok"]!);
        Assert.Contains("unknown field 'query'", (string)refused["error"]!, StringComparison.Ordinal);
    }
}
