using System.Text;
using System.Text.Json;
using EdgePali.Agent.Health;
using EdgePali.Agent.Mqtt.Messages;
using EdgePali.Agent.Mqtt.Queue;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>Every camera state the worker can be in is one the stats schema documents, with the reason when it does not stream.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class StatsCameraStateTests
{
    public static TheoryData<CameraState> States() => [.. Enum.GetValues<CameraState>()];

    [Theory]
    [MemberData(nameof(States))]
    public void EachState_IsInTheSchema_WithItsError(CameraState state)
    {
        var error = state == CameraState.Streaming ? null : "cannot open /dev/video0";
        var camera = new CameraStats("door", state.ToString().ToLowerInvariant(), 0, 10, 0, 0, 1, 0, false, error);
        var stats = new AgentStats(TimeSpan.FromMinutes(3), 1, 0, new Dictionary<string, double>(), new Dictionary<string, int>(), null, false, 1 << 20, [camera]);

        var json = Encoding.UTF8.GetString(StatsJson.Write(DateTimeOffset.UnixEpoch, "dev1", stats, new MqttFigures(true, 0, new OfflineQueueCounters(0, 0, 0, 0), 0, 0, 0)));

        Schemas.AssertValid("stats", json);
        var written = JsonDocument.Parse(json).RootElement.GetProperty("cameras")[0];
        Assert.Equal(state.ToString().ToLowerInvariant(), written.GetProperty("state").GetString());
        Assert.Equal(error, written.GetProperty("error").GetString());
    }

    [Fact]
    public void UnknownState_IsRejectedByTheSchema()
    {
        // The enum is checked: a state the docs do not name cannot slip through.
        var camera = new CameraStats("door", "unplugged", 0, 0, 0, 0, 0, 0, false);
        var stats = new AgentStats(TimeSpan.Zero, 0, 0, new Dictionary<string, double>(), new Dictionary<string, int>(), null, false, 0, [camera]);

        var json = Encoding.UTF8.GetString(StatsJson.Write(DateTimeOffset.UnixEpoch, "dev1", stats, new MqttFigures(true, 0, new OfflineQueueCounters(0, 0, 0, 0), 0, 0, 0)));

        Assert.NotNull(Schemas.Validate("stats", json));
    }
}
