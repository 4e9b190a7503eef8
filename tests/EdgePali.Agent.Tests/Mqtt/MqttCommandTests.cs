using System.Text;
using System.Text.Json;
using EdgePali.Agent.Control;
using EdgePali.Agent.Tasks;
using MQTTnet.Formatter;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>`set` and `ask` over a real broker: valid commands change the state, malformed ones change nothing.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class MqttCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ValidCommands_ChangeSettingsAndRetainedState()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var control = new InMemoryCameraControl(InMemoryCameraControl.Settings("front"));
        var settings = MqttAgentHost.Settings(broker.Port, Temp());
        settings["Mqtt:Commands"] = "full";
        await using var agent = await MqttAgentHost.StartAsync(settings, control);
        await using var client = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/dev1/front/set/reply", "edgepali/dev1/front/state"]);

        await client.PublishAsync("edgepali/dev1/front/set", """{"id":"1","op":"add_task","name":"cars","task":"detect","labels":["car","truck"],"trigger":"motion","interval_s":10}""");
        await client.PublishAsync("edgepali/dev1/front/set", """{"id":"2","op":"update_task","name":"caption","interval_s":15,"prompt":"de"}""");
        await client.PublishAsync("edgepali/dev1/front/set", """{"id":"3","op":"remove_task","name":"people"}""");
        await client.PublishAsync("edgepali/dev1/front/set", """{"id":"4","op":"disable"}""");
        await client.WaitForAsync(ms => ms.Count(m => m.Topic.EndsWith("/set/reply", StringComparison.Ordinal)) == 4, Wait, "4 replies");
        // The new state is published (retained) after the reply, by the retained-topics loop: once it has reached a
        // subscriber, the broker holds it for a client that subscribes later.
        await client.WaitForTopicAsync("edgepali/dev1/front/state", Wait, m => m.Text.Contains("\"enabled\":false", StringComparison.Ordinal));

        var now = control.GetSettings("front")!;
        Assert.False(now.Enabled);
        Assert.Equal(["caption", "cars"], now.Tasks.Select(t => t.Name));
        Assert.Equal(TimeSpan.FromSeconds(15), now.Tasks[0].Interval);
        Assert.Equal("caption de", now.Tasks[0].ToVisionTask().Prefix);
        Assert.Equal("detect car ; truck", now.Tasks[1].ToVisionTask().Prefix);
        Assert.Equal(TaskTrigger.Motion, now.Tasks[1].Trigger);

        await using var late = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/dev1/front/state"]);
        var state = await late.WaitForTopicAsync("edgepali/dev1/front/state", Wait, m => m.Text.Contains("\"enabled\":false", StringComparison.Ordinal));
        Assert.True(state.Retain);
        Schemas.AssertValid("state", state.Text);
        var tasks = JsonDocument.Parse(state.Text).RootElement.GetProperty("tasks");
        Assert.Equal("cars", tasks[1].GetProperty("name").GetString());
    }

    [Fact]
    public async Task ThousandsOfMalformedCommands_GetErrorReplies_AndChangeNothing()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var control = new InMemoryCameraControl(InMemoryCameraControl.Settings("front"));
        var settings = MqttAgentHost.Settings(broker.Port, Temp());
        settings["Mqtt:CommandsPerMinute"] = "100000";
        settings["Mqtt:ErrorRepliesPerMinute"] = "100000";
        settings["Mqtt:Commands"] = "full";
        await using var agent = await MqttAgentHost.StartAsync(settings, control);
        await using var client = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/dev1/front/set/reply"]);
        var before = JsonSerializer.Serialize(control.GetSettings("front"));

        var payloads = MalformedCommands(seed: 1234).Take(2000).ToList();
        foreach (var payload in payloads)
        {
            await client.PublishAsync("edgepali/dev1/front/set", payload);
        }

        var replies = await client.WaitForAsync(ms => ms.Count >= payloads.Count, TimeSpan.FromSeconds(60), $"{payloads.Count} replies");
        Assert.All(replies, r =>
        {
            var reply = JsonDocument.Parse(r.Text).RootElement;
            Assert.False(reply.GetProperty("ok").GetBoolean(), r.Text);
            Assert.False(string.IsNullOrWhiteSpace(reply.GetProperty("error").GetString()));
            Assert.True(r.Payload.Length < 2048, "an error reply must stay small even for a huge command");
        });
        Assert.Equal(0, control.Applied);
        Assert.Equal(before, JsonSerializer.Serialize(control.GetSettings("front")));
        Assert.True(agent.Connection.IsConnected);
    }

    [Fact]
    public void Parser_RefusesEveryMalformedCommand_AndAgreesWithTheSchema()
    {
        var limits = new CommandLimits();
        var current = InMemoryCameraControl.Settings("front");
        var valid = 0;
        foreach (var payload in Candidates(seed: 99).Take(10000))
        {
            // Must not throw, whatever the bytes; an error names the problem in a short message.
            var parsed = CommandParser.ParseSet(payload, limits);
            var error = parsed.Error ?? parsed.Command!.ApplyTo(current, limits).Error;
            if (error is null)
            {
                valid++;
                continue;
            }

            Assert.InRange(error.Length, 10, 400);
        }

        Assert.True(valid < 100, $"{valid} of 10000 fuzz candidates were valid commands: the generator is too tame");
        Assert.Equal(JsonSerializer.Serialize(InMemoryCameraControl.Settings("front")), JsonSerializer.Serialize(current));

        foreach (var command in new[]
        {
            """{"op":"enable"}""", """{"id":"x","op":"disable"}""", """{"op":"remove_task","name":"people"}""",
            """{"op":"add_task","name":"q","task":"answer","prompt":"is the door open?","trigger":"interval","interval_s":30}""",
            """{"op":"update_task","name":"people","labels":["dog"]}""", """{"id":"r","op":"run","name":"people"}""",
        })
        {
            Assert.Null(CommandParser.ParseSet(Encoding.UTF8.GetBytes(command), limits).Error);
            Schemas.AssertValid("set", command);
        }
    }

    [Fact]
    public async Task Ask_Mqtt5_RepliesOnTheResponseTopicWithCorrelationData()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var agent = await MqttAgentHost.StartAsync(MqttAgentHost.Settings(broker.Port, Temp()), new InMemoryCameraControl(InMemoryCameraControl.Settings("front")));
        await using var asker = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/dev1/replies/me"]);
        var correlation = new byte[] { 7, 1, 2, 3 };

        await asker.PublishAsync("edgepali/dev1/front/ask", """{"task":"answer","prompt":"how many cups?"}""", m => m.WithResponseTopic("edgepali/dev1/replies/me").WithCorrelationData(correlation));
        var reply = await asker.WaitForTopicAsync("edgepali/dev1/replies/me", Wait);

        Assert.Equal(correlation, reply.CorrelationData);
        Schemas.AssertValid("ask-reply", reply.Text);
        var json = JsonDocument.Parse(reply.Text).RootElement;
        Assert.True(json.GetProperty("ok").GetBoolean());
        Assert.Equal("answer en how many cups?", json.GetProperty("prompt").GetString());
    }

    [Fact]
    public async Task Ask_Mqtt311_RepliesOnAskReplyEchoingTheId_AndErrorsAreReplies()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var agent = await MqttAgentHost.StartAsync(MqttAgentHost.Settings(broker.Port, Temp()),
            new InMemoryCameraControl(InMemoryCameraControl.Settings("front"), InMemoryCameraControl.Settings("dark")));
        await using var asker = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/dev1/+/ask/reply"], MqttProtocolVersion.V311);

        await asker.PublishAsync("edgepali/dev1/front/ask", """{"id":"q-42","task":"detect","labels":["cup","plate"]}""");
        await asker.PublishAsync("edgepali/dev1/front/ask", """{"id":"q-43","task":"teleport"}""");
        await asker.PublishAsync("edgepali/dev1/dark/ask", """{"id":"q-44","prompt":"anyone there?"}""");
        var replies = await asker.WaitForAsync(ms => ms.Count == 3, Wait, "3 replies");

        var byId = replies.Select(r => JsonDocument.Parse(r.Text).RootElement).ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.True(byId["q-42"].GetProperty("ok").GetBoolean());
        Assert.Equal(2, byId["q-42"].GetProperty("objects").GetArrayLength());
        Assert.Contains("unknown task", byId["q-43"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("no frame yet", byId["q-44"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.All(replies, r => Schemas.AssertValid("ask-reply", r.Text));
    }

    [Fact]
    public async Task Ask_IsRateLimitedPerCamera()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var settings = MqttAgentHost.Settings(broker.Port, Temp());
        settings["Mqtt:AsksPerMinute"] = "3";
        await using var agent = await MqttAgentHost.StartAsync(settings, new InMemoryCameraControl(InMemoryCameraControl.Settings("front")));
        await using var asker = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/dev1/front/ask/reply"]);
        for (var i = 0; i < 6; i++)
        {
            await asker.PublishAsync("edgepali/dev1/front/ask", $$"""{"id":"{{i}}","prompt":"what now?"}""");
        }

        var replies = await asker.WaitForAsync(ms => ms.Count == 6, Wait, "6 replies");
        Assert.Equal(3, replies.Count(r => r.Text.Contains("\"ok\":true", StringComparison.Ordinal)));
        Assert.Equal(3, replies.Count(r => r.Text.Contains("rate limited", StringComparison.Ordinal)));
    }

    /// <summary>Bad JSON, wrong types, huge strings, unknown tasks and ops, bad names: seeded, so a failure reproduces.
    /// The rare candidate that happens to be a valid command (a cut or a one-character change can make one) is left out.</summary>
    internal static IEnumerable<byte[]> MalformedCommands(int seed) =>
        Candidates(seed).Where(payload => CommandParser.ParseSet(payload, new CommandLimits()) is not { Error: null } parsed
            || !parsed.Command!.ApplyTo(InMemoryCameraControl.Settings("front"), new CommandLimits()).IsOk);

    private static IEnumerable<byte[]> Candidates(int seed)
    {
        var random = new Random(seed);
        string[] templates =
        [
            "{", "}", "[]", "null", "42", "\"op\"", "{\"op\":}", "{op:\"enable\"}", "{\"op\":\"enable\"", "{\"op\":\"enable\"}}", "{\"op\":\"enable\",}",
            "{\"op\":\"ENABLE\"}", "{\"op\":1}", "{\"op\":null}", "{\"op\":[\"enable\"]}", "{\"op\":\"enable\",\"op\":\"disable\"}",
            "{\"op\":\"enable\",\"name\":\"x\"}", "{\"op\":\"add_task\"}", "{\"op\":\"add_task\",\"name\":\"x\"}", "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"fly\"}",
            "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"detect\"}", "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"detect\",\"labels\":[]}",
            "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"detect\",\"labels\":\"car\"}", "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"detect\",\"labels\":[1,2]}",
            "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"detect\",\"labels\":[\"a;b\"]}", "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"answer\"}",
            "{\"op\":\"add_task\",\"name\":\"caption\",\"task\":\"caption\"}", "{\"op\":\"add_task\",\"name\":\"snapshot\",\"task\":\"ocr\"}",
            "{\"op\":\"add_task\",\"name\":\"a/b\",\"task\":\"ocr\"}", "{\"op\":\"add_task\",\"name\":\"#\",\"task\":\"ocr\"}",
            "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"ocr\",\"interval_s\":0}", "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"ocr\",\"interval_s\":-5}",
            "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"ocr\",\"interval_s\":\"10\"}", "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"ocr\",\"interval_s\":1e308}",
            "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"ocr\",\"trigger\":\"sometimes\"}", "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"ocr\",\"labels\":[\"a\"]}",
            "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"caption\",\"prompt\":\"english please\"}", "{\"op\":\"add_task\",\"name\":\"x\",\"task\":\"raw\",\"prompt\":\"a\\nb\"}",
            "{\"op\":\"update_task\",\"name\":\"nope\",\"interval_s\":5}", "{\"op\":\"update_task\",\"name\":\"caption\"}", "{\"op\":\"update_task\",\"name\":\"people\",\"labels\":[]}",
            "{\"op\":\"update_task\",\"name\":\"caption\",\"task\":\"answer\"}", "{\"op\":\"update_task\",\"name\":\"caption\",\"enabled\":\"yes\"}",
            "{\"op\":\"remove_task\"}", "{\"op\":\"remove_task\",\"name\":\"nope\"}", "{\"op\":\"remove_task\",\"name\":5}", "{\"op\":\"explode\"}",
            "{\"op\":\"run\"}", "{\"op\":\"run\",\"name\":\"nope\"}", "{\"op\":\"run\",\"name\":\"caption\",\"task\":\"ocr\"}", "{\"op\":\"run\",\"name\":[\"caption\"]}",
            "{\"op\":\"enable\",\"id\":5}", "{\"op\":\"enable\",\"id\":\"\"}", "{\"op\":\"enable\",\"extra\":true}", "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}}}",
        ];
        while (true)
        {
            var text = templates[random.Next(templates.Length)];
            switch (random.Next(6))
            {
                case 0:
                    yield return Encoding.UTF8.GetBytes(text);
                    break;
                case 1:
                    // A huge prompt.
                    yield return Encoding.UTF8.GetBytes($$"""{"op":"add_task","name":"x","task":"answer","prompt":"{{new string('q', random.Next(501, 20000))}}"}""");
                    break;
                case 2:
                    // Random bytes, including invalid UTF-8.
                    var bytes = new byte[random.Next(0, 200)];
                    random.NextBytes(bytes);
                    yield return bytes;
                    break;
                case 3:
                    // A valid-looking command cut short.
                    yield return Encoding.UTF8.GetBytes(text[..random.Next(0, text.Length)] is { Length: > 0 } cut && cut != text ? cut : "{");
                    break;
                case 4:
                    // Huge label lists and names.
                    yield return Encoding.UTF8.GetBytes($$"""{"op":"add_task","name":"{{new string('n', random.Next(33, 5000))}}","task":"detect","labels":[{{string.Join(",", Enumerable.Range(0, random.Next(17, 300)).Select(i => $"\"l{i}\""))}}]}""");
                    break;
                default:
                    // One character changed.
                    var chars = text.ToCharArray();
                    chars[random.Next(chars.Length)] = "{}[]\":,x0\\ "[random.Next(11)];
                    yield return Encoding.UTF8.GetBytes(new string(chars));
                    break;
            }
        }
    }

    private static string Temp() => Directory.CreateTempSubdirectory("edgepali-mqtt-").FullName;
}
