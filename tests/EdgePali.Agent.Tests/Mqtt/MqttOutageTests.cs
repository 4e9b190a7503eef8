using System.Text.Json;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>Broker outages lose nothing: results made while it is away are queued on disk and arrive in order.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class MqttOutageTests
{
    [Fact]
    public async Task BrokerDownFor30Seconds_WhileResultsKeepComing_EverySeqArrivesInOrder()
    {
        await using var broker = await MosquittoBroker.StartAsync(persistence: true);
        var state = Directory.CreateTempSubdirectory("edgepali-mqtt-").FullName;
        await using var dashboard = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/dev1/front/caption"], clientId: "dashboard-outage", persistentSession: true);
        await using var agent = await MqttAgentHost.StartAsync(MqttAgentHost.Settings(broker.Port, state));

        long seq = 0;
        async Task ProduceAsync(TimeSpan duration)
        {
            var end = DateTime.UtcNow + duration;
            while (DateTime.UtcNow < end)
            {
                await agent.Publisher.PublishAsync(TestResults.Caption(++seq), CancellationToken.None);
                await Task.Delay(100);
            }
        }

        await ProduceAsync(TimeSpan.FromSeconds(2));
        await broker.StopAsync();
        var beforeOutage = seq;
        await ProduceAsync(TimeSpan.FromSeconds(30));
        var producedWhileDown = seq - beforeOutage;
        await broker.StartAsync();
        await dashboard.ReconnectAsync(TimeSpan.FromSeconds(10));
        await ProduceAsync(TimeSpan.FromSeconds(2));

        var received = await dashboard.WaitForAsync(ms => ms.Select(Seq).Distinct().Count() == seq, TimeSpan.FromSeconds(30), $"all {seq} results");
        AssertInOrderAtLeastOnce(received.Select(Seq).ToList(), seq);
        Assert.True(producedWhileDown > 100, $"only {producedWhileDown} results were produced during the outage");
    }

    [Fact]
    public async Task AgentRestartsWhileBrokerIsDown_QueuedResultsSurviveOnDisk_AndArriveInOrder()
    {
        await using var broker = await MosquittoBroker.StartAsync(persistence: true);
        var state = Directory.CreateTempSubdirectory("edgepali-mqtt-").FullName;
        await using var dashboard = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/dev1/front/caption"], clientId: "dashboard-restart", persistentSession: true);
        var settings = MqttAgentHost.Settings(broker.Port, state);

        var first = await MqttAgentHost.StartAsync(settings);
        for (var i = 1; i <= 10; i++)
        {
            await first.Publisher.PublishAsync(TestResults.Caption(i), CancellationToken.None);
        }

        await dashboard.WaitForAsync(ms => ms.Count >= 10, TimeSpan.FromSeconds(10), "the first 10 results");
        await broker.StopAsync();
        for (var i = 11; i <= 60; i++)
        {
            await first.Publisher.PublishAsync(TestResults.Caption(i), CancellationToken.None);
        }

        await first.DisposeAsync();

        // A new process: same state directory, broker still down at start.
        await using var second = await MqttAgentHost.StartAsync(settings, waitForConnection: false);
        for (var i = 61; i <= 70; i++)
        {
            await second.Publisher.PublishAsync(TestResults.Caption(i), CancellationToken.None);
        }

        await broker.StartAsync();
        await dashboard.ReconnectAsync(TimeSpan.FromSeconds(10));
        var received = await dashboard.WaitForAsync(ms => ms.Select(Seq).Distinct().Count() == 70, TimeSpan.FromSeconds(30), "all 70 results");
        AssertInOrderAtLeastOnce(received.Select(Seq).ToList(), 70);
    }

    /// <summary>
    /// Every seq 1..n arrives; the first arrival of each is in increasing order; a repeat (allowed: delivery is at
    /// least once, e.g. a message in flight when the broker stopped) only re-sends something recent.
    /// </summary>
    internal static void AssertInOrderAtLeastOnce(IReadOnlyList<long> seqs, long n)
    {
        var firsts = seqs.Distinct().ToList();
        Assert.Equal(Enumerable.Range(1, (int)n).Select(i => (long)i), firsts);
        long highest = 0;
        foreach (var s in seqs)
        {
            Assert.True(s > highest - 32, $"seq {s} arrived after {highest}: more than a send window late");
            highest = Math.Max(highest, s);
        }
    }

    private static long Seq(MqttTestClient.Received m) => JsonDocument.Parse(m.Text).RootElement.GetProperty("seq").GetInt64();
}
