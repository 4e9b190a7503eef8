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
        $"--Mqtt:Port={FreePort.Next()}",
        "--Mqtt:HomeAssistant:Discovery=false",
        $"--Model:Path={stateDirectory}",
        "--Logging:LogLevel:Default=Warning",
        "--Snapshots:Enabled=false",
        "--Devices:Thermal:Enabled=false",
    ];

    /// <summary>
    /// Runs the worker until <paramref name="done"/> holds (checked every 20 ms), or at most <paramref name="deadline"/>:
    /// tests wait for what they need instead of guessing how long a busy machine takes. The caller asserts the
    /// condition afterwards. A null <paramref name="analyzer"/> keeps the real model.
    /// </summary>
    public static async Task<(int ExitCode, string Errors)> RunUntilAsync(
        IEnumerable<string> arguments,
        Func<bool> done,
        TimeSpan deadline,
        IFrameAnalyzer? analyzer,
        IResultPublisher? publisher = null,
        Action<IServiceCollection>? configure = null)
    {
        using var stop = new CancellationTokenSource(deadline);
        var watching = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && !done())
                await Task.Delay(20, CancellationToken.None);
            await stop.CancelAsync();
        });
        using var errors = new StringWriter();
        var code = await AgentHost.RunAsync(null, [.. arguments], null, errors, Services(analyzer, publisher, configure), stop.Token);
        await stop.CancelAsync();
        await watching;
        return (code, errors.ToString());
    }

    private static Action<IServiceCollection> Services(IFrameAnalyzer? analyzer, IResultPublisher? publisher, Action<IServiceCollection>? configure) => services =>
    {
        if (analyzer is not null)
            services.AddSingleton(analyzer);
        if (publisher is not null)
            services.AddSingleton(publisher);
        configure?.Invoke(services);
    };
}
