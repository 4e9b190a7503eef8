using System.Text.Json;
using EdgePali.Agent.Control;
using EdgePali.Agent.Resilience;
using EdgePali.Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>
/// Settings changed over MQTT survive a restart of the worker (kept in Agent:StateDirectory), `reset` returns to the
/// configuration file's settings (also after the next restart), and a damaged settings file is reported and ignored.
/// The whole worker, restarted between steps, against a real mosquitto.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class RemoteSettingsPersistenceTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    private string SettingsFile => Path.Combine(_state.Path, RemoteSettingsStore.FileName);

    [Fact]
    public async Task ChangedSettings_SurviveARestart_AndResetReturnsToTheConfigurationFile()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var client = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/pi/door/state", "edgepali/pi/door/set/reply"]);

        // First run: add a task over MQTT; it is kept in the state folder.
        var first = await RunWorkerAsync(broker.Port, client, async () =>
        {
            await client.PublishAsync("edgepali/pi/door/set", """{"id":"add","op":"add_task","name":"cars","task":"detect","labels":["car"],"trigger":"command"}""");
            var reply = await client.WaitForTopicAsync("edgepali/pi/door/set/reply", Wait);
            Assert.True(JsonDocument.Parse(reply.Text).RootElement.GetProperty("ok").GetBoolean(), reply.Text);
        });
        Assert.Contains("\"cars\"", await File.ReadAllTextAsync(SettingsFile), StringComparison.Ordinal);
        Assert.False(File.Exists(SettingsFile + ".tmp"), "the temporary file was left behind");

        // Second run, same configuration file: the task is back from the start, in the retained state; then reset.
        client.Clear();
        await RunWorkerAsync(broker.Port, client, async () =>
        {
            Assert.Equal(["bell", "cars"], TaskNames(await client.WaitForTopicAsync("edgepali/pi/door/state", Wait)));
            client.Clear();
            await client.PublishAsync("edgepali/pi/door/set", """{"id":"r","op":"reset"}""");
            var reply = await client.WaitForTopicAsync("edgepali/pi/door/set/reply", Wait);
            Assert.True(JsonDocument.Parse(reply.Text).RootElement.GetProperty("ok").GetBoolean(), reply.Text);
            Assert.Equal(["bell"], TaskNames(await client.WaitForTopicAsync("edgepali/pi/door/state", Wait)));
        });
        Assert.DoesNotContain("door", await File.ReadAllTextAsync(SettingsFile), StringComparison.Ordinal);

        // Third run: the configuration file's settings, as before any change.
        client.Clear();
        await RunWorkerAsync(broker.Port, client, async () =>
            Assert.Equal(["bell"], TaskNames(await client.WaitForTopicAsync("edgepali/pi/door/state", Wait))));
        Assert.True(first.Contains("settings changed remotely", StringComparison.Ordinal), first);
    }

    [Fact]
    public async Task DamagedSettingsFile_IsReportedAndSetAside_TheConfigurationFileApplies()
    {
        await File.WriteAllTextAsync(SettingsFile, """{"version":1,"cameras":{"door":{"enabled":true,"tasks":[{"name":"cars","task":"det""");
        await using var broker = await MosquittoBroker.StartAsync();
        await using var client = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/pi/door/state"]);

        var log = await RunWorkerAsync(broker.Port, client, async () =>
            Assert.Equal(["bell"], TaskNames(await client.WaitForTopicAsync("edgepali/pi/door/state", Wait))));

        Assert.Contains($"Cannot read the settings changed remotely from {SettingsFile}", log, StringComparison.Ordinal);
        Assert.Contains($"moved to {SettingsFile}.unreadable", log, StringComparison.Ordinal);
        Assert.False(File.Exists(SettingsFile));
        Assert.True(File.Exists(SettingsFile + ".unreadable"));
    }

    private static string[] TaskNames(MqttTestClient.Received state) =>
        [.. JsonDocument.Parse(state.Text).RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)];

    /// <summary>Runs the worker until <paramref name="steps"/> are done, checks it stopped cleanly, and returns its log.</summary>
    private async Task<string> RunWorkerAsync(int port, MqttTestClient client, Func<Task> steps)
    {
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.AddRange([
            "--Agent:DeviceId=pi", "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={port}", "--Mqtt:Commands=full", "--Logging:LogLevel:EdgePali=Information",
            "--Cameras:0:Name=door", "--Cameras:0:Source=testpattern", "--Cameras:0:Width=64", "--Cameras:0:Height=48",
            "--Cameras:0:Tasks:0:Name=bell", "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:Trigger=command",
        ]);
        using var done = new CancellationTokenSource();
        using var log = new TestLoggerProvider();
        var worker = AgentRun.RunUntilAsync(arguments, () => done.IsCancellationRequested, TimeSpan.FromSeconds(120), new SlowTestAnalyzer(TimeSpan.Zero),
            configure: services => services.AddSingleton<ILoggerProvider>(log));
        try
        {
            // Connected and subscribed once the retained state arrives; the steps wait for what they need.
            await client.WaitForTopicAsync("edgepali/pi/door/state", Wait);
            await steps();
        }
        catch (Exception e) when (e is TimeoutException)
        {
            Assert.Fail($"{e.Message}\nworker log:\n{log}");
        }
        finally
        {
            await done.CancelAsync();
        }

        var (code, stderr) = await worker;
        Assert.True(code == ExitCodes.Ok, stderr);
        return log.ToString();
    }
}
