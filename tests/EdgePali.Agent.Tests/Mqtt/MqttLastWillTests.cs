using System.Diagnostics;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>An agent killed hard (SIGKILL: no clean shutdown) is marked offline by its Last Will.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class MqttLastWillTests
{
    [Fact]
    public async Task AgentKilledHard_BrokerPublishesRetainedOffline()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var dashboard = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/lwt/status"]);
        var start = new ProcessStartInfo("dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "edgepali.dll"), "mqtt-check", "--hold",
            "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={broker.Port}", "--Agent:DeviceId=lwt",
            $"--Agent:StateDirectory={Directory.CreateTempSubdirectory("edgepali-mqtt-").FullName}",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var agent = Process.Start(start)!;
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        try
        {
            await dashboard.WaitForTopicAsync("edgepali/lwt/status", TimeSpan.FromSeconds(30), m => m.Text == "online");
        }
        finally
        {
            agent.Kill(); // SIGKILL
            await agent.WaitForExitAsync();
        }

        var offline = await dashboard.WaitForTopicAsync("edgepali/lwt/status", TimeSpan.FromSeconds(15), m => m.Text == "offline");
        Assert.Equal("offline", offline.Text);

        // Retained: a dashboard that connects later sees it too.
        await using var late = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/lwt/status"]);
        var retained = await late.WaitForTopicAsync("edgepali/lwt/status", TimeSpan.FromSeconds(30));
        Assert.Equal("offline", retained.Text);
        Assert.True(retained.Retain);
    }
}
