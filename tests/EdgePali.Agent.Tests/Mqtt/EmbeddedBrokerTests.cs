using System.Diagnostics;
using System.Globalization;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>
/// The embedded broker (Mqtt:Host empty) with the real mosquitto command-line clients, as users try it first: they
/// send no client id by default, and with Mqtt:Username set the broker takes that account only.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class EmbeddedBrokerTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("edgepali-embedded-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task MosquittoClients_WithoutAClientId_SubscribeAndPublish(string protocol)
    {
        var port = FreePort.Next();
        using var agent = await StartAgentAsync(port);

        // Both mosquitto clients send an empty client id (their default): the broker assigns one to each.
        var published = await MosquittoAsync("mosquitto_pub", port, ["-V", protocol, "-t", "hello/world", "-m", "hi", "-r", "-q", "1"]);
        Assert.True(published.ExitCode == 0, $"mosquitto_pub -V {protocol} failed ({published.ExitCode}): {published.Stderr}");
        var received = await MosquittoAsync("mosquitto_sub", port, ["-V", protocol, "-v", "-C", "2", "-W", "30", "-t", "hello/world", "-t", "edgepali/dev1/status"]);
        Assert.True(received.ExitCode == 0, $"mosquitto_sub -V {protocol} failed ({received.ExitCode}): {received.Stderr}");
        Assert.Equal(["edgepali/dev1/status online", "hello/world hi"], received.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WithAnAccount_OnlyThatLoginIsAccepted_AndTheAgentUsesIt()
    {
        var port = FreePort.Next();
        var passwordFile = Path.Combine(_state, "mqtt-password");
        await File.WriteAllTextAsync(passwordFile, "s3cret pass\n");

        // The agent itself connects to its broker with the account (StartAgentAsync waits for the connection).
        using var agent = await StartAgentAsync(port, "--Mqtt:Username=edge", $"--Mqtt:PasswordFile={passwordFile}");

        var anonymous = await MosquittoAsync("mosquitto_sub", port, ["-t", "edgepali/dev1/status", "-C", "1", "-W", "10"]);
        var wrong = await MosquittoAsync("mosquitto_sub", port, ["-V", "mqttv5", "-u", "edge", "-P", "guess", "-t", "edgepali/dev1/status", "-C", "1", "-W", "10"]);
        var right = await MosquittoAsync("mosquitto_sub", port, ["-u", "edge", "-P", "s3cret pass", "-t", "edgepali/dev1/status", "-C", "1", "-W", "20"]);

        Assert.NotEqual(0, anonymous.ExitCode);
        Assert.Contains("bad user name or password", anonymous.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("bad user name or password", wrong.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.True(right.ExitCode == 0, $"the right login was refused ({right.ExitCode}): {right.Stderr}");
        Assert.Equal("online", right.Stdout.Trim());
    }

    /// <summary>
    /// The real `edgepali mqtt-check --hold` (the agent's MQTT side with its embedded broker, as a user first tries it),
    /// once it is connected to its own broker. Killed by the caller's using.
    /// </summary>
    private async Task<AgentProcess> StartAgentAsync(int port, params string[] settings)
    {
        var start = new ProcessStartInfo(RepositoryPaths.BesideTests("edgepali"), [
            "mqtt-check", "--hold", $"--Mqtt:Port={port}", $"--Agent:StateDirectory={_state}", "--Agent:DeviceId=dev1", .. settings,
        ])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        var process = Process.Start(start)!;
        var agent = new AgentProcess(process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("connected to 127.0.0.1", StringComparison.Ordinal))
                return agent;
        }

        agent.Dispose();
        throw new InvalidOperationException($"edgepali mqtt-check did not connect to its embedded broker: {await process.StandardError.ReadToEndAsync()}");
    }

    private sealed class AgentProcess(Process process) : IDisposable
    {
        public void Dispose()
        {
            if (!process.HasExited)
                process.Kill();
            process.WaitForExit();
            process.Dispose();
        }
    }

    private static Task<FinishedProcess> MosquittoAsync(string tool, int port, string[] arguments) =>
        ProcessRunner.RunAsync(tool, ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), .. arguments], TimeSpan.FromSeconds(60));
}
