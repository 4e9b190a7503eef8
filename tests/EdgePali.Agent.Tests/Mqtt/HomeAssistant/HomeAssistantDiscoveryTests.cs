using System.Text.Json;
using EdgePali.Agent.Tasks;

namespace EdgePali.Agent.Tests.Mqtt.HomeAssistant;

/// <summary>Home Assistant device discovery on a real broker: required keys, stable unique_ids, removal, re-send.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class HomeAssistantDiscoveryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private const string Front = "homeassistant/device/edgepali_dev1_front/config";
    private const string Back = "homeassistant/device/edgepali_dev1_back/config";

    [Fact]
    public async Task Discovery_HasRequiredKeys_StableUniqueIds_RemovesWhatIsGone_AndResendsWhenHomeAssistantStarts()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var settings = MqttAgentHost.Settings(broker.Port, Directory.CreateTempSubdirectory("edgepali-mqtt-").FullName);
        await using var ha = await MqttTestClient.ConnectAsync(broker.Port, ["homeassistant/device/#"]);

        // "front" also has a task that runs only on command: it gets a button that runs it.
        var withDoorbell = InMemoryCameraControl.Settings("front") with
        {
            Tasks = [.. InMemoryCameraControl.Settings("front").Tasks, new TaskSettings("doorbell", "caption", null, [], TaskTrigger.Command, TimeSpan.FromSeconds(60))],
        };
        var first = await RunAsync(settings, ha, withDoorbell, InMemoryCameraControl.Settings("back"));
        var config = JsonDocument.Parse(first[Front]).RootElement;
        Schemas.AssertValid("discovery", first[Front]);
        Assert.Equal("edgepali/dev1/status", config.GetProperty("availability_topic").GetString());
        var components = config.GetProperty("cmps");
        Assert.Equal("binary_sensor", components.GetProperty("motion").GetProperty("p").GetString());
        Assert.Equal("motion", components.GetProperty("motion").GetProperty("device_class").GetString());
        Assert.Equal("image/jpeg", components.GetProperty("snapshot").GetProperty("content_type").GetString());
        Assert.Equal("edgepali/dev1/front/snapshot", components.GetProperty("snapshot").GetProperty("image_topic").GetString());
        Assert.Equal("event", components.GetProperty("detection").GetProperty("p").GetString());
        Assert.Contains("[:255]", components.GetProperty("text_caption").GetProperty("value_template").GetString(), StringComparison.Ordinal);
        Assert.Equal("edgepali/dev1/front/caption", components.GetProperty("text_caption").GetProperty("json_attributes_topic").GetString());
        Assert.True(components.TryGetProperty("count_person", out _) && components.TryGetProperty("count_car", out _));
        var button = components.GetProperty("run_doorbell");
        Assert.Equal(("button", "edgepali/dev1/front/set"), (button.GetProperty("p").GetString(), button.GetProperty("command_topic").GetString()));
        Schemas.AssertValid("set", button.GetProperty("payload_press").GetString()!);
        Assert.Equal("""{"op":"run","name":"doorbell"}""", button.GetProperty("payload_press").GetString());
        Assert.False(components.TryGetProperty("run_caption", out _), "only command tasks get a button");
        var uniqueIds = UniqueIds(first[Front]);
        Assert.Equal(uniqueIds.Count, uniqueIds.Distinct().Count());

        // Same configuration after a restart: identical unique_ids.
        ha.Clear();
        var second = await RunAsync(settings, ha, withDoorbell, InMemoryCameraControl.Settings("back"));
        Assert.Equal(uniqueIds, UniqueIds(second[Front]));
        Assert.Equal(UniqueIds(first[Back]), UniqueIds(second[Back]));

        // Camera "back" removed, task "people" (person, car) removed from "front": deleted in Home Assistant.
        ha.Clear();
        var front = InMemoryCameraControl.Settings("front");
        var third = await RunAsync(settings, ha, front with { Tasks = front.Tasks.Where(t => t.Name != "people").ToArray() });
        Assert.Equal("", third[Back]);
        var stripped = JsonDocument.Parse(third[Front]).RootElement.GetProperty("cmps");
        Assert.Equal("""{"p":"sensor"}""", stripped.GetProperty("count_person").GetRawText());
        Assert.Equal("""{"p":"event"}""", stripped.GetProperty("detection").GetRawText());
        Assert.Equal("""{"p":"button"}""", stripped.GetProperty("run_doorbell").GetRawText());
        Schemas.AssertValid("discovery", third[Front]);

        // Home Assistant restarts and says so: configs are sent again.
        ha.Clear();
        await using var agent = await MqttAgentHost.StartAsync(settings, new InMemoryCameraControl(front));
        await ha.WaitForTopicAsync(Front, Wait);
        ha.Clear();
        await ha.PublishAsync("homeassistant/status", "online");
        await ha.WaitForTopicAsync(Front, Wait);
    }

    private static async Task<Dictionary<string, string>> RunAsync(Dictionary<string, string?> settings, MqttTestClient ha, params CameraSettings[] cameras)
    {
        await using var agent = await MqttAgentHost.StartAsync(settings, new InMemoryCameraControl(cameras));
        var expected = new[] { Front, Back }.Where(t => cameras.Any(c => t.Contains($"_{c.Camera}/", StringComparison.Ordinal)) || t == Back).ToArray();
        var messages = await ha.WaitForAsync(ms => expected.All(t => ms.Any(m => m.Topic == t)), Wait, string.Join(", ", expected));
        return messages.GroupBy(m => m.Topic).ToDictionary(g => g.Key, g => g.Last().Text);
    }

    private static List<string> UniqueIds(string config) =>
        [.. JsonDocument.Parse(config).RootElement.GetProperty("cmps").EnumerateObject().Select(c => c.Value.GetProperty("unique_id").GetString()!).Order(StringComparer.Ordinal)];
}
