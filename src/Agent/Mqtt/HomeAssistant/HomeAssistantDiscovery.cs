using System.Reflection;
using System.Text;
using System.Text.Json;
using EdgePali.Agent.Control;
using EdgePali.Agent.Mqtt.Commands;
using EdgePali.Agent.Mqtt.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Mqtt.HomeAssistant;

/// <summary>
/// Publishes the discovery configs (retained) at start, after every settings change and when Home Assistant
/// announces itself (`{discovery}/status` = online). What was announced is recorded in the state directory, so
/// a camera or task removed between runs gets its entities deleted (empty config, or a platform-only component).
/// </summary>
internal sealed class HomeAssistantDiscovery : IHostedService
{
    private const string RecordFile = "mqtt-discovery.json";

    private readonly MqttConnection _connection;
    private readonly ICameraControl _control;
    private readonly RetainedTopics _retained;
    private readonly MqttTopics _topics;
    private readonly MqttIdentity _identity;
    private readonly HomeAssistantOptions _options;
    private readonly bool _runButtons;
    private readonly ILogger<HomeAssistantDiscovery> _logger;
    private readonly Lock _gate = new();
    private readonly string _version = typeof(HomeAssistantDiscovery).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    public HomeAssistantDiscovery(MqttConnection connection, ICameraControl control, RetainedTopics retained, MqttTopics topics, MqttIdentity identity,
        IOptions<MqttOptions> options, MqttCommandService commands, ILogger<HomeAssistantDiscovery> logger)
    {
        _connection = connection;
        _control = control;
        _retained = retained;
        _topics = topics;
        _identity = identity;
        _options = options.Value.HomeAssistant;
        _runButtons = CommandPolicy.From(options.Value).AcceptsRun;
        _logger = logger;
        commands.SettingsChanged += _ => Announce();
    }

    private string RecordPath => Path.Combine(_identity.StateDirectory, RecordFile);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Announce();
        await _connection.SubscribeAsync($"{_options.DiscoveryPrefix}/status", args =>
        {
            if (Encoding.UTF8.GetString(args.ApplicationMessage.Payload).Trim() == "online")
            {
                _logger.LogInformation("Home Assistant came online; sending discovery again");
                _retained.Touch($"{_options.DiscoveryPrefix}/device/");
            }

            return Task.CompletedTask;
        }, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Computes every camera's config, deletes what is gone, and records what is announced.</summary>
    private void Announce()
    {
        lock (_gate)
        {
            var previous = ReadRecord();
            var current = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            foreach (var camera in _control.CameraNames)
            {
                if (_control.GetSettings(camera) is not { } settings)
                {
                    continue;
                }

                var haDevice = DiscoveryPayloads.DeviceId(_identity.DeviceId, camera);
                var components = DiscoveryPayloads.Components(settings, _runButtons);
                var removed = previous.GetValueOrDefault(haDevice, []).Where(c => !components.ContainsKey(c.Key)).ToDictionary(c => c.Key, c => c.Value);
                _retained.Set(DiscoveryPayloads.Topic(_options.DiscoveryPrefix, haDevice),
                    DiscoveryPayloads.Config(_topics, _identity.DeviceId, settings, removed, _version, _runButtons));
                current[haDevice] = components;
            }

            foreach (var gone in previous.Keys.Where(d => !current.ContainsKey(d)))
            {
                // An empty retained config deletes the device and all its entities.
                _retained.Set(DiscoveryPayloads.Topic(_options.DiscoveryPrefix, gone), ReadOnlyMemory<byte>.Empty);
                _logger.LogInformation("Home Assistant device {Device} is no longer configured; deleting its entities", gone);
            }

            WriteRecord(current);
        }
    }

    private Dictionary<string, Dictionary<string, string>> ReadRecord()
    {
        try
        {
            return File.Exists(RecordPath)
                ? JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(File.ReadAllBytes(RecordPath)) ?? []
                : [];
        }
        catch (JsonException ex)
        {
            _logger.LogWarning("{Path} is unreadable ({Error}); entities removed since the last run may stay in Home Assistant", RecordPath, ex.Message);
            return [];
        }
    }

    private void WriteRecord(Dictionary<string, Dictionary<string, string>> record)
    {
        Directory.CreateDirectory(_identity.StateDirectory);
        var temporary = RecordPath + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(record));
        File.Move(temporary, RecordPath, overwrite: true);
    }
}
