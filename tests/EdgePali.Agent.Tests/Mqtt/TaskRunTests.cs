using System.Text.Json;
using EdgePali.Agent.Resilience;
using EdgePali.Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>
/// Tasks run by name (`set` op `run`): the whole worker with the tiny model, publishing to a real mosquitto. A run
/// analyses the camera's newest frame, publishes the result on the task's topic with the next sequence number, and
/// replies with that result; an unknown, disabled or malformed run gets an error reply and publishes nothing.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class TaskRunTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task RunByName_PublishesTheResultAndRepliesWithIt_BadRunsGetErrorReplies()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var client = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/pi/door/bell", "edgepali/pi/door/set/reply", "edgepali/pi/door/state", "edgepali/pi/replies/#"]);
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.Remove($"--Model:Path={_state.Path}");
        arguments.AddRange([
            $"--Model:Path={model.PackagePath}", "--Agent:DeviceId=pi", "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={broker.Port}",
            "--Cameras:0:Name=door", "--Cameras:0:Source=testpattern", "--Cameras:0:Fps=10", "--Cameras:0:Width=64", "--Cameras:0:Height=48",
            "--Cameras:0:Tasks:0:Name=bell", "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:Trigger=command", "--Cameras:0:Tasks:0:MaxNewTokens=4",
            "--Cameras:0:Tasks:1:Name=people", "--Cameras:0:Tasks:1:Task=detect", "--Cameras:0:Tasks:1:Labels:0=person", "--Cameras:0:Tasks:1:Trigger=command",
            "--Cameras:0:Tasks:1:Enabled=false", "--Logging:LogLevel:EdgePali=Information",
            // A run refused while the model loads or before the first frame is an error reply: a budget that such a
            // refusal can spend would hide the bad runs' replies this test checks.
            "--Mqtt:ErrorRepliesPerMinute=10000",
        ]);
        using var done = new CancellationTokenSource();
        using var log = new TestLoggerProvider();
        var worker = AgentRun.RunUntilAsync(arguments, () => done.IsCancellationRequested, TimeSpan.FromSeconds(180), analyzer: null,
            configure: services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(log));
        try
        {
            await RunAndCheckAsync(client, worker, log);
        }
        catch (Exception e) when (e is TimeoutException or AggregateException)
        {
            Assert.Fail($"{e.Message}\nworker log:\n{log}");
        }
        finally
        {
            await done.CancelAsync();
        }

        var (code, stderr) = await worker;
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal([1, 2], client.Messages.Where(m => m.Topic == "edgepali/pi/door/bell").Select(m => JsonDocument.Parse(m.Text).RootElement.GetProperty("seq").GetInt64()));
    }

    private static async Task RunAndCheckAsync(MqttTestClient client, Task<(int ExitCode, string Errors)> worker, TestLoggerProvider log)
    {
        // The agent publishes its retained state once it has subscribed to the command topics (after connecting).
        await client.WaitForTopicAsync("edgepali/pi/door/state", Wait);

        // MQTT starts before the model has loaded and the camera has a frame, and until then a run is refused. Waiting
        // for both in the worker's log (not by polling with runs) keeps the test within the commands-per-minute limit
        // however slowly a loaded machine loads the model.
        await WaitForLogAsync(worker, log, e => e.Message.StartsWith("Model ", StringComparison.Ordinal) && e.Message.Contains(" loaded in ", StringComparison.Ordinal), "saying the model loaded");
        await WaitForLogAsync(worker, log, e => e.Message.StartsWith("Camera door: streaming", StringComparison.Ordinal), "saying camera door streams");

        // The frame slot may be filled a moment after the first frame is logged: a refusal then is retried, at most a few times.
        MqttTestClient.Received reply;
        var attempt = 0;
        do
        {
            var correlation = new[] { (byte)++attempt };
            await client.PublishAsync("edgepali/pi/door/set", """{"id":"run","op":"run","name":"bell"}""", m => m.WithResponseTopic("edgepali/pi/replies/run").WithCorrelationData(correlation));
            reply = await client.WaitForTopicAsync("edgepali/pi/replies/run", Wait, m => m.CorrelationData?.SequenceEqual(correlation) == true);
            if (worker.IsCompleted)
                Assert.Fail($"the worker stopped: {(await worker).Errors}");
            if (attempt < 5 && (reply.Text.Contains("still loading", StringComparison.Ordinal) || reply.Text.Contains("not captured a frame yet", StringComparison.Ordinal)))
                await Task.Delay(500);
            else
                break;
        }
        while (true);

        Schemas.AssertValid("set-reply", reply.Text);
        var json = JsonDocument.Parse(reply.Text).RootElement;
        Assert.True(json.GetProperty("ok").GetBoolean(), reply.Text);
        Assert.Equal("run", json.GetProperty("id").GetString());
        var result = json.GetProperty("result");
        Assert.Equal(("bell", "caption", "door", "pi"), (result.GetProperty("name").GetString(), result.GetProperty("task").GetString(), result.GetProperty("camera").GetString(), result.GetProperty("device").GetString()));
        Assert.Equal(1, result.GetProperty("seq").GetInt64());
        Assert.Equal(64, result.GetProperty("frame").GetProperty("width").GetInt32());
        Assert.InRange(result.GetProperty("tokens").GetProperty("generated").GetInt32(), 1, 4);

        // The same result, published as any result of the task.
        var published = await client.WaitForTopicAsync("edgepali/pi/door/bell", Wait);
        Schemas.AssertValid("result", published.Text);
        Assert.Equal(result.GetRawText(), JsonDocument.Parse(published.Text).RootElement.GetRawText());

        // Bad runs: each gets its error (on set/reply, echoing the id) and nothing is analysed or published.
        string[] bad =
        [
            """{"id":"e1","op":"run","name":"nope"}""", """{"id":"e2","op":"run","name":"people"}""", """{"id":"e3","op":"run"}""",
            """{"id":"e4","op":"run","name":"bell","task":"ocr"}""", """{"id":"e5","op":"run","name":"a/b"}""",
        ];
        foreach (var payload in bad)
            await client.PublishAsync("edgepali/pi/door/set", payload);
        var errors = (await client.WaitForAsync(ms => ms.Count(m => m.Topic.EndsWith("/set/reply", StringComparison.Ordinal)) == bad.Length, Wait, "5 error replies"))
            .Where(m => m.Topic.EndsWith("/set/reply", StringComparison.Ordinal))
            .Select(m => JsonDocument.Parse(m.Text).RootElement)
            .ToDictionary(r => r.GetProperty("id").GetString()!, r => (Ok: r.GetProperty("ok").GetBoolean(), Error: r.GetProperty("error").GetString()!));
        Assert.All(errors.Values, e => Assert.False(e.Ok));
        Assert.Equal("camera 'door' has no task 'nope'; its tasks: bell, people", errors["e1"].Error);
        Assert.StartsWith("task 'people' of camera 'door' is disabled; enable it first", errors["e2"].Error, StringComparison.Ordinal);
        Assert.Equal("op 'run' takes exactly 'name' (the task to run now)", errors["e3"].Error);
        Assert.Equal("op 'run' takes exactly 'name' (the task to run now)", errors["e4"].Error);
        Assert.StartsWith("camera 'door' has no task 'a/b'", errors["e5"].Error, StringComparison.Ordinal);

        // A second run gets the next number; a command task never runs by itself in between.
        await client.PublishAsync("edgepali/pi/door/set", """{"id":"again","op":"run","name":"bell"}""");
        var second = await client.WaitForAsync(ms => ms.Any(m => m.Text.Contains("\"id\":\"again\"", StringComparison.Ordinal)), Wait, "the second run's reply");
        Assert.Contains("\"seq\":2", second.Single(m => m.Text.Contains("\"id\":\"again\"", StringComparison.Ordinal)).Text, StringComparison.Ordinal);
        await client.WaitForAsync(ms => ms.Count(m => m.Topic == "edgepali/pi/door/bell") == 2, Wait, "the second result");
    }

    /// <summary>Waits for a worker log line, failing at once with the worker's errors if it stops first.</summary>
    private static async Task WaitForLogAsync(Task<(int ExitCode, string Errors)> worker, TestLoggerProvider log, Func<LogEntry, bool> match, string what)
    {
        var logged = log.WaitForAsync(match, TimeSpan.FromSeconds(120), what);
        if (await Task.WhenAny(logged, worker) == worker)
            Assert.Fail($"the worker stopped before a log line {what}: {(await worker).Errors}");
        await logged;
    }
}
