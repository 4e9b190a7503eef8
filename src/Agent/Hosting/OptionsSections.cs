using EdgePali.Agent.Http;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Options;
using EdgePali.Agent.Options.Validation;
using EdgePali.Agent.Timeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Hosting;

/// <summary>
/// The configuration's top-level sections, in one list: the shape check walks them before binding, the host binds
/// and validates each at start from here, and the configuration docs test reads them. A new section is added here once.
/// </summary>
internal static class OptionsSections
{
    private static readonly Section[] All =
    [
        Bound<AgentOptions, AgentOptionsValidator>(AgentOptions.Section),
        Bound<ModelOptions, ModelOptionsValidator>(ModelOptions.Section),
        // A list; with no section the embedded default camera, and sources may be read from files.
        new(CamerasOptions.Section, typeof(List<CameraOptions>), AgentServiceCollectionExtensions.AddCamerasOptions),
        Bound<DevicesOptions, DevicesOptionsValidator>(DevicesOptions.Section),
        Bound<SnapshotOptions, OutputOptionsValidator>(SnapshotOptions.Section),
        Bound<ResultLogOptions, OutputOptionsValidator>(ResultLogOptions.Section),
        Bound<HealthOptions, OutputOptionsValidator>(HealthOptions.Section),
        // Bound by AddEdgePaliMqtt, which MQTT-only hosts (tests, mqtt-check) call on their own.
        new(MqttOptions.SectionName, typeof(MqttOptions), null),
        // Bound (and validated) by UseEdgePaliHttp, which also decides whether the web host is added at all.
        new(HttpOptions.Section, typeof(HttpOptions), null),
        Bound<TimelineOptions, TimelineOptionsValidator>(TimelineOptions.Section),
        // Microsoft.Extensions.Logging's own section (levels per category): accepted, not walked.
        new("Logging", null, null),
    ];

    /// <summary>Section name -> the options type that describes it (null: accepted, not walked), for <see cref="ConfigurationShape.Check"/>.</summary>
    public static IReadOnlyDictionary<string, Type?> Shapes { get; } =
        All.ToDictionary(s => s.Name, s => s.ShapeType, StringComparer.OrdinalIgnoreCase);

    /// <summary>Binds every section but Mqtt's and registers its validator, in this order; each is validated at start.</summary>
    public static void AddBoundSections(IServiceCollection services, IConfiguration configuration)
    {
        foreach (var section in All)
            section.Register?.Invoke(services, configuration);
    }

    private static Section Bound<TOptions, TValidator>(string name)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions> =>
        new(name, typeof(TOptions), (services, configuration) =>
        {
            services.AddOptions<TOptions>().Bind(configuration.GetSection(name)).ValidateOnStart();
            services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        });

    private sealed record Section(string Name, Type? ShapeType, Action<IServiceCollection, IConfiguration>? Register);
}
