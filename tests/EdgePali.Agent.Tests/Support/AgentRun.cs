using EdgePali.Agent.Hosting;
using EdgePali.Agent.Publishing;
using EdgePali.Agent.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace EdgePali.Agent.Tests.Support;

/// <summary>Runs the worker in-process, as `edgepali run` would, with a test analyser and a collecting publisher.</summary>
public static class AgentRun
{
    /// <summary>
    /// Settings every in-process run needs: a state folder, an existing model folder, quiet logs, no snapshots,
    /// and the embedded MQTT broker on a free port (so parallel runs and a system broker do not collide).
    /// </summary>
    public static List<string> BaseArguments(string stateDirectory) =>
    [
        $"--Agent:StateDirectory={stateDirectory}",
        $"--Mqtt:Port={FreePort()}",
        "--Mqtt:HomeAssistant:Discovery=false",
        $"--Model:Path={stateDirectory}",
        "--Logging:LogLevel:Default=Warning",
        "--Snapshots:Enabled=false",
        "--Devices:Thermal:Enabled=false",
    ];

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<(int ExitCode, string Errors)> RunAsync(
        IEnumerable<string> arguments,
        TimeSpan duration,
        IFrameAnalyzer analyzer,
        IResultPublisher? publisher = null,
        Action<IServiceCollection>? configure = null)
    {
        using var errors = new StringWriter();
        var code = await AgentHost.RunAsync(null, [.. arguments], duration, errors, services =>
        {
            services.AddSingleton(analyzer);
            if (publisher is not null)
                services.AddSingleton(publisher);
            configure?.Invoke(services);
        }, CancellationToken.None);
        return (code, errors.ToString());
    }
}
