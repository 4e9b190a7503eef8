using System.Text.Json;
using EdgePali.Testing;
using EdgePali.Agent.Tasks;

namespace EdgePali.Agent.Tests.Mqtt.HomeAssistant;

/// <summary>Grounded Home Assistant entities on a real mosquitto: a yes/no answer task is a binary_sensor, detect labels are count sensors.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class YesNoDiscoveryTests
{
    private const string Front = "homeassistant/device/edgepali_dev1_front/config";

    [Fact]
    public async Task YesNoAnswerTask_IsABinarySensorOnWhenTheAnswerIsYes_AndDetectLabelsAreCountSensors()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var settings = MqttAgentHost.Settings(broker.Port, Directory.CreateTempSubdirectory("edgepali-mqtt-").FullName);
        await using var ha = await MqttTestClient.ConnectAsync(broker.Port, ["homeassistant/device/#"]);
        var front = InMemoryCameraControl.Settings("front");
        var withQuestion = front with
        {
            Tasks = [.. front.Tasks, new TaskSettings("gate_open", "answer", "is the gate open?", [], TaskTrigger.Interval, TimeSpan.FromSeconds(60), Answer: "yes/no")],
        };

        await using var agent = await MqttAgentHost.StartAsync(settings, new InMemoryCameraControl(withQuestion));
        var messages = await ha.WaitForAsync(ms => ms.Any(m => m.Topic == Front), TimeSpan.FromSeconds(15), Front);

        var config = messages.Last(m => m.Topic == Front).Text;
        Schemas.AssertValid("discovery", config);
        var components = JsonDocument.Parse(config).RootElement.GetProperty("cmps");
        var gate = components.GetProperty("yes_gate_open");
        Assert.Equal("binary_sensor", gate.GetProperty("p").GetString());
        Assert.Equal("edgepali/dev1/front/gate_open", gate.GetProperty("state_topic").GetString());
        Assert.Contains("startswith('yes')", gate.GetProperty("value_template").GetString(), StringComparison.Ordinal);
        Assert.False(components.TryGetProperty("text_gate_open", out _), "a yes/no task is not also a text sensor");
        Assert.Equal("sensor", components.GetProperty("count_person").GetProperty("p").GetString());
        Assert.Contains("value_json[\"person\"]", components.GetProperty("count_person").GetProperty("value_template").GetString(), StringComparison.Ordinal);
    }
}
