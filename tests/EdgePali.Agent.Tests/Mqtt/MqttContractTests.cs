using System.Text.Json;
using EdgePali.Agent.Publishing;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>What a dashboard sees on a real mosquitto: every message matches its schema in schemas/.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class MqttContractTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task EveryPublishedMessage_ValidatesAgainstItsSchema()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var state = Directory.CreateTempSubdirectory("edgepali-mqtt-").FullName;
        await using var dashboard = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/#", "homeassistant/#"]);
        var settings = MqttAgentHost.Settings(broker.Port, state);
        settings["Mqtt:StatsIntervalSeconds"] = "1";
        settings["Mqtt:Commands"] = "full";
        var topics = new[]
        {
            "edgepali/dev1/front/caption", "edgepali/dev1/front/people", "edgepali/dev1/front/masks", "edgepali/dev1/front/snapshot",
            "edgepali/dev1/front/counts", "edgepali/dev1/front/events", "edgepali/dev1/front/motion", "edgepali/dev1/front/state",
            "edgepali/dev1/front/set/reply", "edgepali/dev1/front/ask/reply", "edgepali/dev1/stats", "edgepali/dev1/status",
            "homeassistant/device/edgepali_dev1_front/config",
        };

        await using (var agent = await MqttAgentHost.StartAsync(settings, new InMemoryCameraControl(InMemoryCameraControl.Settings("front"))))
        {
            using var jpeg = new OpenCvSharp.Mat(48, 64, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.Blue);
            await agent.Publisher.PublishAsync(TestResults.Caption(1, snapshot: jpeg.ImEncode(".jpg")), CancellationToken.None);
            await agent.Publisher.PublishAsync(TestResults.Detect(2), CancellationToken.None);
            await agent.Publisher.PublishAsync(TestResults.Segment(3), CancellationToken.None);
            agent.Motion.MotionChanged("front", true);
            await dashboard.PublishAsync("edgepali/dev1/front/set", """{"id":"c1","op":"update_task","name":"caption","interval_s":30}""");
            await dashboard.PublishAsync("edgepali/dev1/front/set", """{"id":"c2","op":"explode"}""");
            await dashboard.PublishAsync("edgepali/dev1/front/ask", """{"id":"q1","prompt":"what is on the table?"}""");
            await dashboard.PublishAsync("edgepali/dev1/front/ask", """{"id":"q2","task":"detect","labels":["cup"]}""");

            await dashboard.WaitForAsync(ms => topics.All(t => ms.Any(m => m.Topic == t))
                && ms.Count(m => m.Topic.EndsWith("/ask/reply", StringComparison.Ordinal)) == 2
                && ms.Count(m => m.Topic.EndsWith("/set/reply", StringComparison.Ordinal)) == 2
                // the state is published at start and again after update_task changed a setting
                && ms.Count(m => m.Topic == "edgepali/dev1/front/state") >= 2, Wait, "every kind of message");
        }

        // The clean stop's "offline" travels through the broker after the agent is gone: wait for it, not for luck.
        await dashboard.WaitForAsync(ms => ms.Any(m => m.Topic == "edgepali/dev1/status" && m.Text == "offline"), Wait, "status offline");
        var messages = dashboard.Messages;
        var validatedTopics = new List<string>();
        foreach (var m in messages)
        {
            var schema = SchemaFor(m.Topic);
            if (schema is null)
            {
                continue;
            }

            Schemas.AssertValid(schema, m.Text);
            validatedTopics.Add(m.Topic);
        }

        // Every JSON topic waited for above was validated, both replies of each kind too. (A fixed total was
        // flaky: besides these, a second stats or state message arrives only when the machine is not loaded.)
        var jsonTopics = topics.Where(t => SchemaFor(t) is not null).ToList();
        Assert.True(jsonTopics.Count >= 10, $"only {jsonTopics.Count} of the awaited topics have a schema");
        Assert.All(jsonTopics, t => Assert.Contains(t, validatedTopics));
        Assert.Equal(2, validatedTopics.Count(t => t.EndsWith("/ask/reply", StringComparison.Ordinal)));
        Assert.Equal(2, validatedTopics.Count(t => t.EndsWith("/set/reply", StringComparison.Ordinal)));
        Assert.Equal(["online", "offline"], messages.Where(m => m.Topic == "edgepali/dev1/status").Select(m => m.Text).Distinct());
        Assert.Equal("ON", messages.Single(m => m.Topic == "edgepali/dev1/front/motion").Text);
        Assert.Equal([0xFF, 0xD8], messages.Last(m => m.Topic == "edgepali/dev1/front/snapshot").Payload[..2]);

        var segment = JsonDocument.Parse(messages.Single(m => m.Topic == "edgepali/dev1/front/masks").Text).RootElement;
        var mask = segment.GetProperty("objects")[0].GetProperty("mask");
        Assert.Equal("[6,8]", mask.GetProperty("size").GetRawText());
        Assert.Equal(4, CocoRle.Decompress(mask.GetProperty("counts").GetString()!).Skip(1).Where((_, i) => i % 2 == 0).Sum());
        var replies = messages.Where(m => m.Topic == "edgepali/dev1/front/set/reply").Select(m => JsonDocument.Parse(m.Text).RootElement).ToList();
        Assert.Contains(replies, r => r.GetProperty("id").GetString() == "c1" && r.GetProperty("ok").GetBoolean());
        Assert.Contains(replies, r => r.GetProperty("id").GetString() == "c2" && !r.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Status_IsRetainedOnline_ForLateSubscribers_AndOfflineAfterCleanStop()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var state = Directory.CreateTempSubdirectory("edgepali-mqtt-").FullName;
        var agent = await MqttAgentHost.StartAsync(MqttAgentHost.Settings(broker.Port, state));
        await using (var late = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/dev1/status"]))
        {
            var status = await late.WaitForTopicAsync("edgepali/dev1/status", Wait);
            Assert.Equal("online", status.Text);
            Assert.True(status.Retain);
        }

        await agent.DisposeAsync();
        await using var after = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/dev1/status"]);
        var final = await after.WaitForTopicAsync("edgepali/dev1/status", Wait);
        Assert.Equal("offline", final.Text);
        Assert.True(final.Retain);
    }

    internal static string? SchemaFor(string topic)
    {
        if (topic.StartsWith("homeassistant/device/", StringComparison.Ordinal))
        {
            return "discovery";
        }

        var leaf = topic[(topic.LastIndexOf('/') + 1)..];
        return topic switch
        {
            _ when topic.EndsWith("/set/reply", StringComparison.Ordinal) => "set-reply",
            _ when topic.EndsWith("/ask/reply", StringComparison.Ordinal) => "ask-reply",
            // Requests are the dashboard's own messages, not the agent's.
            _ when topic.EndsWith("/set", StringComparison.Ordinal) || topic.EndsWith("/ask", StringComparison.Ordinal) => null,
            _ => leaf switch
            {
                "status" or "motion" or "snapshot" => null,
                "stats" => "stats",
                "state" => "state",
                "counts" => "counts",
                "events" => "event",
                _ => "result",
            },
        };
    }
}
