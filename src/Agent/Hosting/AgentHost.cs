using EdgePali.Agent.Capture;
using EdgePali.Agent.Http;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Options;
using EdgePali.Agent.Options.Validation;
using EdgePali.Agent.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Hosting;

/// <summary>
/// Runs the worker: reads and checks the configuration, starts the generic host (with systemd integration
/// when started by systemd), and waits for SIGTERM/Ctrl-C or the optional duration.
/// Exit codes (<see cref="ExitCodes"/>): 0 stopped cleanly, 2 invalid configuration, 1 start-up or run-time failure.
/// </summary>
public static class AgentHost
{
    /// <summary>Upper bound for a clean stop (a running analysis is cancelled; finished results are drained).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(4);

    /// <param name="configFile">--config, or null for /etc/edgepali/edgepali.json.</param>
    /// <param name="commandLine">Settings as --Section:Key=value.</param>
    /// <param name="duration">Stop by itself after this long (exit 0); null runs until stopped.</param>
    /// <param name="error">Where configuration errors are written (stderr).</param>
    /// <param name="configureServices">Replaces services after the defaults (tests: a simulated GPIO driver, a slow analyser).</param>
    /// <param name="cancellationToken">Stops the worker.</param>
    public static async Task<int> RunAsync(
        string? configFile,
        IReadOnlyList<string> commandLine,
        TimeSpan? duration,
        TextWriter error,
        Action<IServiceCollection>? configureServices,
        CancellationToken cancellationToken)
    {
        IConfigurationRoot configuration;
        try
        {
            configuration = AgentConfiguration.Build(configFile, commandLine);
        }
        catch (ConfigurationFileException e)
        {
            await error.WriteLineAsync($"edgepali: invalid configuration: {e.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidConfiguration;
        }

        var problems = ConfigurationShape.Check(configuration, OptionsSections.Shapes);
        if (problems.Count > 0)
            return await ReportAsync(error, problems).ConfigureAwait(false);

        using var host = CreateHost(configuration, configureServices);
        var failures = ValidateOptions(host.Services);
        if (failures.Count > 0)
            return await ReportAsync(error, failures).ConfigureAwait(false);
        var missing = CheckCameraBackends(host.Services);
        if (missing.Count > 0)
        {
            // Refuse to start rather than retry a camera forever that cannot open on this machine.
            foreach (var problem in missing)
                await error.WriteLineAsync($"edgepali: cannot start: {problem}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ValidationFailures(e) is { Count: > 0 } startFailures)
        {
            return await ReportAsync(error, startFailures).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await error.WriteLineAsync($"edgepali: start-up failed: {e.Message}").ConfigureAwait(false);
            // Stop what did start (the MQTT connection says `offline`); disposing running background services
            // without a stop would log each of them as failed on top of the real cause.
            using var stopping = new CancellationTokenSource(ShutdownTimeout);
            await host.StopAsync(stopping.Token).ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } limit)
            stop.CancelAfter(limit);
        await host.WaitForShutdownAsync(stop.Token).ConfigureAwait(false);
        using var forced = new CancellationTokenSource(ShutdownTimeout);
        await host.StopAsync(forced.Token).ConfigureAwait(false);
        // A background service that crashed stops the host and sets a non-zero exit code.
        return Environment.ExitCode != 0 ? Environment.ExitCode : ExitCodes.Ok;
    }

    /// <summary>The generic host with the worker's services, over an already built configuration.</summary>
    public static IHost CreateHost(IConfiguration configuration, Action<IServiceCollection>? configureServices = null) =>
        new HostBuilder()
            .UseContentRoot(AppContext.BaseDirectory)
            .ConfigureAppConfiguration(builder => builder.AddConfiguration(configuration))
            .ConfigureLogging((context, logging) =>
            {
                logging.AddConfiguration(context.Configuration.GetSection("Logging"));
                logging.AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.TimestampFormat = "HH:mm:ss ";
                });
            })
            .UseSystemd()
            .UseEdgePaliHttp(configuration)
            .ConfigureServices((context, services) =>
            {
                // UseSystemd() (Microsoft.Extensions.Hosting.Systemd 10) recognises systemd by its parent process
                // (/proc/PPID/comm), which hides behind ProtectProc=invisible and is absent in containers and other
                // supervisors speaking the sd_notify protocol. NOTIFY_SOCKET is the protocol's own signal: with it,
                // READY=1 and STOPPING=1 go out whoever started us (later Microsoft.Extensions.Hosting does the same).
                if (!SystemdHelpers.IsSystemdService() && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")))
                {
                    services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
                    services.AddSingleton<IHostLifetime, SystemdLifetime>();
                }

                services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
                services.AddEdgePaliAgent(context.Configuration);
                configureServices?.Invoke(services);
            })
            .Build();

    /// <summary>
    /// Binds and validates every section before the host starts (ValidateOnStart would do the same inside
    /// StartAsync, but the host logs such a failure with a stack trace; users should see only the messages).
    /// </summary>
    private static List<string> ValidateOptions(IServiceProvider services)
    {
        var failures = new List<string>();
        Validate<AgentOptions>(services, failures);
        Validate<ModelOptions>(services, failures);
        Validate<CamerasOptions>(services, failures);
        Validate<DevicesOptions>(services, failures);
        Validate<SnapshotOptions>(services, failures);
        Validate<ResultLogOptions>(services, failures);
        Validate<HealthOptions>(services, failures);
        Validate<MqttOptions>(services, failures);
        Validate<HttpOptions>(services, failures);
        Validate<Timeline.TimelineOptions>(services, failures);
        return failures;
    }

    /// <summary>Each enabled camera whose backend cannot load here (OpenCV's native library missing), as a message.</summary>
    private static List<string> CheckCameraBackends(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IFrameSourceFactory>();
        var cameras = services.GetRequiredService<IOptions<CamerasOptions>>().Value;
        return [.. cameras.Items
            .Where(c => c.Enabled)
            .Select(c => factory.CheckBackend(c) is { } problem ? $"camera '{c.Name}': {problem}" : null)
            .OfType<string>()];
    }

    private static void Validate<T>(IServiceProvider services, List<string> failures)
        where T : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException e)
        {
            failures.AddRange(e.Failures);
        }
        catch (InvalidOperationException e)
        {
            // The binder's conversion errors name the key ("Failed to convert configuration value at 'Cameras:0:Fps'").
            failures.Add(e.Message);
        }
    }

    private static List<string>? ValidationFailures(Exception e) => e switch
    {
        OptionsValidationException v => [.. v.Failures],
        AggregateException a when a.InnerExceptions.All(i => i is OptionsValidationException) =>
            [.. a.InnerExceptions.Cast<OptionsValidationException>().SelectMany(v => v.Failures)],
        _ => null,
    };

    private static async Task<int> ReportAsync(TextWriter error, IReadOnlyList<string> problems)
    {
        await error.WriteLineAsync($"edgepali: invalid configuration ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):").ConfigureAwait(false);
        foreach (var problem in problems)
            await error.WriteLineAsync("  - " + problem).ConfigureAwait(false);
        return ExitCodes.InvalidConfiguration;
    }
}
