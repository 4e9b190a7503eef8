using EdgePali.Agent.Control;
using EdgePali.Agent.Mqtt;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Publishing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>The agent's MQTT side in a real generic host (AddEdgePaliMqtt), as the worker composes it.</summary>
internal sealed class MqttAgentHost : IAsyncDisposable
{
    private MqttAgentHost(IHost host)
    {
        Host = host;
    }

    public IHost Host { get; }

    public IResultPublisher Publisher => Host.Services.GetRequiredService<IResultPublisher>();

    public IMotionStatePublisher Motion => Host.Services.GetRequiredService<IMotionStatePublisher>();

    internal MqttConnection Connection => Host.Services.GetRequiredService<MqttConnection>();

    public static Dictionary<string, string?> Settings(int port, string stateDirectory, string device = "dev1") => new()
    {
        ["Agent:DeviceId"] = device,
        ["Agent:StateDirectory"] = stateDirectory,
        ["Mqtt:Host"] = "127.0.0.1",
        ["Mqtt:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mqtt:ReconnectMinSeconds"] = "0.2",
        ["Mqtt:ReconnectMaxSeconds"] = "1",
    };

    public static async Task<MqttAgentHost> StartAsync(Dictionary<string, string?> settings, ICameraControl? control = null, bool waitForConnection = true,
        ILoggerProvider? log = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddEdgePaliMqtt(builder.Configuration);
        if (Environment.GetEnvironmentVariable("EDGEPALI_TEST_LOG") == "1")
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Debug);
        }
        if (log is not null)
        {
            builder.Logging.AddProvider(log).SetMinimumLevel(LogLevel.Debug);
        }

        if (control is not null)
        {
            builder.Services.AddSingleton(control);
        }

        var host = new MqttAgentHost(builder.Build());
        await host.Host.StartAsync();
        if (waitForConnection)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.Connection.WaitForConnectionAsync(0, timeout.Token);
        }

        return host;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Host.StopAsync(timeout.Token);
        Host.Dispose();
    }
}
