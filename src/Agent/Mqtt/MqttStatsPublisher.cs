using EdgePali.Agent.Health;
using EdgePali.Agent.Mqtt.Messages;
using EdgePali.Agent.Mqtt.Queue;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Pipeline;
using MQTTnet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Mqtt;

/// <summary>
/// Publishes `{prefix}/{device}/stats` every Mqtt:StatsIntervalSeconds while connected, right after each connect, and
/// when a camera's state changes (offline, reconnecting, streaming again), so a camera that is gone shows at once.
/// </summary>
internal sealed class MqttStatsPublisher(
    MqttConnection connection,
    OfflineQueue queue,
    MqttCounters counters,
    MqttTopics topics,
    MqttIdentity identity,
    IOptions<MqttOptions> options,
    IServiceProvider services,
    TimeProvider time) : BackgroundService
{
    private readonly Signal _wake = new();

    /// <summary>The current stats message.</summary>
    public byte[] Snapshot()
    {
        var figures = new MqttFigures(connection.IsConnected, connection.Reconnects, queue.Counters, counters.Delivered, counters.Rejected, counters.SnapshotsTooLarge);
        return StatsJson.Write(time.GetUtcNow(), identity.DeviceId, services.GetService<IStatsSource>()?.GetStats(), figures);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        connection.Connected += _wake.Set;
        // Like the stats source, the cameras are optional: the MQTT side also runs without a pipeline (tests, tools).
        foreach (var camera in services.GetService<CameraRegistry>()?.Cameras ?? [])
            camera.StateChanged += _ => _wake.Set();
        var interval = TimeSpan.FromSeconds(options.Value.StatsIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (connection.IsConnected)
            {
                await connection.TryPublishAsync(new MqttApplicationMessageBuilder().WithTopic(topics.Stats).WithPayload(Snapshot())
                    .WithContentType("application/json").Build(), stoppingToken);
            }

            await _wake.WaitAsync(interval, stoppingToken);
        }
    }
}
