using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using EdgePali.Agent.Capture;
using EdgePali.Agent.Control;
using EdgePali.Agent.Devices;
using EdgePali.Agent.Gating;
using EdgePali.Agent.Health;
using EdgePali.Agent.Mqtt;
using EdgePali.Agent.Options;
using EdgePali.Agent.Options.Validation;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;
using EdgePali.Agent.Scheduling;
using EdgePali.Agent.Timeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Hosting;

/// <summary>The worker's composition root: options, stages and devices, and the order they start in.</summary>
public static class AgentServiceCollectionExtensions
{
    public static IServiceCollection AddEdgePaliAgent(this IServiceCollection services, IConfiguration configuration)
    {
        AddOptions(services, configuration);

        // MQTT first: its broker and connection start before the pipeline and stop after it, so the results
        // drained at shutdown still reach the (durable) MQTT publisher. It is the first result publisher.
        services.AddEdgePaliMqtt(configuration);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IFrameSourceFactory, FrameSourceFactory>();
        services.TryAddSingleton<IFrameAnalyzer, PaliGemmaFrameAnalyzer>();
        services.TryAddSingleton<ICpuTemperatureSensor, CpuTemperatureSensor>();
        services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.TryAddSingleton(new WatchdogSchedule(WatchdogService.IntervalFromEnvironment()));
        services.TryAddSingleton(sp =>
        {
            var chip = sp.GetRequiredService<IOptions<DevicesOptions>>().Value.Gpio.Chip;
            return chip >= 0 ? new GpioController(new LibGpiodDriver(chip)) : new GpioController();
        });

        services.AddSingleton<RemoteSettingsStore>();
        // Settings changed remotely before a restart apply from the start, before anything reads or publishes them.
        services.AddSingleton(sp =>
        {
            var registry = ActivatorUtilities.CreateInstance<CameraRegistry>(sp);
            sp.GetRequiredService<RemoteSettingsStore>().RestoreInto(registry);
            return registry;
        });
        services.AddSingleton<Signal>();
        services.AddSingleton<ResultChannel>();
        services.AddSingleton<Metrics.MetricsRegistry>();
        services.AddSingleton<IStageDurationObserver>(sp => sp.GetRequiredService<Metrics.MetricsRegistry>());
        services.AddSingleton<Metrics.AgentMetricsCollector>();
        services.AddSingleton<StageLatencies>();
        services.AddSingleton<PipelineHealth>();
        services.AddSingleton<SnapshotRenderer>();
        services.AddSingleton(sp => new ThermalThrottle(sp.GetRequiredService<IOptions<DevicesOptions>>().Value.Thermal));
        services.AddSingleton(sp => new ResultSequence(sp.GetRequiredService<IOptions<AgentOptions>>().Value.ResolvedStateDirectory));
        services.AddSingleton<ModelHost>();
        services.AddSingleton<AnalysisScheduler>();
        services.AddSingleton<ICameraControl, CameraControl>();
        services.AddSingleton<FramePool>();
        services.AddSingleton<IStatsSource, StatsCollector>();
        services.AddSingleton<GpioOutputRules>();

        // Result publishers, called in this order for every result.
        if (!string.IsNullOrWhiteSpace(configuration[$"{ResultLogOptions.Section}:Path"]))
            services.AddSingleton<IResultPublisher, JsonLinesResultPublisher>();
        if (configuration.GetSection($"{DevicesOptions.Section}:Gpio:Outputs").GetChildren().Any())
            services.AddSingleton<IResultPublisher>(sp => sp.GetRequiredService<GpioOutputRules>());
        services.AddEdgePaliTimeline();

        // Start order: the model first (READY=1 follows the last StartAsync, so it means "model loaded"),
        // then the stages from the last to the first, so that each stage's consumer runs before it
        // produces; stop runs in reverse, capture first, and the dispatcher drains last.
        // The thermal monitor reads the temperature before any frame is captured, so a hot board never runs a first analysis.
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        services.AddHostedService<ThermalMonitor>();
        services.AddHostedService<ResultDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<AnalysisScheduler>());
        services.AddHostedService<GateService>();
        services.AddHostedService<CaptureService>();
        services.AddHostedService<GpioInputTrigger>();
        services.AddHostedService(sp => sp.GetRequiredService<GpioOutputRules>());
        services.AddHostedService<WatchdogService>();
        services.AddHostedService<StatsLogger>();
        services.AddHostedService<NativeHeapTrimmer>();
        return services;
    }

    /// <summary>
    /// Cameras:N:SourceFile: the source (a URL with its password) is read once here, so nothing else handles the file;
    /// with Source also set, or a file that cannot be read, nothing is read and the validator names the problem.
    /// </summary>
    private static void ReadSourceFile(CameraOptions camera)
    {
        if (string.IsNullOrWhiteSpace(camera.SourceFile) || !string.IsNullOrWhiteSpace(camera.Source))
            return;
        camera.SourceFile = SecretFile.ExpandPath(camera.SourceFile);
        try
        {
            camera.Source = SecretFile.ReadFirstLine(camera.SourceFile).Trim();
            camera.SourceReadFromFile = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Reported by CamerasOptionsValidator (missing file, no credentials directory).
        }
    }

    private static void AddOptions(IServiceCollection services, IConfiguration configuration) =>
        OptionsSections.AddBoundSections(services, configuration);

    /// <summary>The "Cameras" list: bound with the embedded default camera when absent, and sources read from files.</summary>
    internal static void AddCamerasOptions(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CamerasOptions>().Configure(o =>
        {
            var section = configuration.GetSection(CamerasOptions.Section);
            section.Bind(o.Items);
            if (!section.Exists())
                o.Items.Add(CamerasOptions.DefaultCamera());
            foreach (var camera in o.Items)
                ReadSourceFile(camera);
        }).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CamerasOptions>, CamerasOptionsValidator>();
    }
}
