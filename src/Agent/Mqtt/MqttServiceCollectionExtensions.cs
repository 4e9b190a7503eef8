using EdgePali.Agent.Mqtt.Queue;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Options;
using EdgePali.Agent.Publishing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Mqtt;

/// <summary>Registers EdgePali's MQTT side in a host.</summary>
public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="MqttOptions"/> (section "Mqtt", unknown keys rejected, validated at start), the embedded
    /// broker (when Mqtt:Host is empty), the connection with its reconnect loop, the durable offline queue, and
    /// as services <see cref="IResultPublisher"/> and <see cref="IMotionStatePublisher"/>. Status, stats, `set`/`ask`
    /// commands and Home Assistant discovery run as hosted services; commands and discovery need an
    /// <see cref="Control.ICameraControl"/> registered by the host, stats use <see cref="IStatsSource"/> when present.
    /// Reads Agent:DeviceId and Agent:StateDirectory (see <see cref="MqttIdentity"/>).
    /// </summary>
    public static IServiceCollection AddEdgePaliMqtt(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MqttOptions>()
            .Bind(configuration.GetSection(MqttOptions.SectionName), binder => binder.ErrorOnUnknownConfiguration = true)
            .PostConfigure(ExpandSecretPaths)
            .ValidateOnStart();
        services.AddSingleton(MqttIdentity.FromConfiguration(configuration));
        services.AddSingleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new MqttTopics(sp.GetRequiredService<IOptions<MqttOptions>>().Value.TopicPrefix, sp.GetRequiredService<MqttIdentity>().DeviceId));
        services.AddSingleton<MqttCounters>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MqttOptions>>().Value;
            var directory = string.IsNullOrWhiteSpace(options.QueueDirectory)
                ? Path.Combine(sp.GetRequiredService<MqttIdentity>().StateDirectory, "mqtt-queue")
                : options.QueueDirectory;
            return new OfflineQueue(directory, options.QueueMaxBytes, options.QueueMaxMessages, sp.GetRequiredService<ILogger<OfflineQueue>>());
        });
        services.AddSingleton<MqttConnection>();
        services.AddSingleton<RetainedTopics>();
        services.AddSingleton<OfflineQueueSender>();
        services.AddSingleton<MqttResultPublisher>();
        services.AddSingleton<IResultPublisher>(sp => sp.GetRequiredService<MqttResultPublisher>());
        services.AddSingleton<IMotionStatePublisher>(sp => sp.GetRequiredService<MqttResultPublisher>());

        // Start order; hosts stop in reverse, so the connection stops after everything that publishes and
        // announces `offline` last, and the embedded broker goes after it.
        services.AddHostedService<EmbeddedBroker>();
        services.AddHostedService(sp => sp.GetRequiredService<MqttConnection>());
        services.AddHostedService(sp => sp.GetRequiredService<RetainedTopics>());
        services.AddHostedService(sp => sp.GetRequiredService<OfflineQueueSender>());
        services.AddHostedService<MqttStatsPublisher>();
        services.AddHostedService<MqttRemoteControl>();
        return services;
    }

    /// <summary>File settings may name systemd credentials (`${CREDENTIALS_DIRECTORY}/mqtt-password`): see <see cref="SecretFile"/>.</summary>
    private static void ExpandSecretPaths(MqttOptions options)
    {
        static string? Expand(string? path) => string.IsNullOrEmpty(path) ? path : SecretFile.ExpandPath(path);
        options.PasswordFile = Expand(options.PasswordFile);
        options.Tls.CaFile = Expand(options.Tls.CaFile);
        options.Tls.CertFile = Expand(options.Tls.CertFile);
        options.Tls.KeyFile = Expand(options.Tls.KeyFile);
    }
}
