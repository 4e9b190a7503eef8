using System.Collections.Concurrent;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Pipeline;
using MQTTnet;
using MQTTnet.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Mqtt.Transport;

/// <summary>
/// Topics where only the latest value matters (snapshot, state, counts, motion, discovery configs, events):
/// each <see cref="Set"/> replaces the pending value and is published as soon as the connection allows.
/// Sticky values are published again after every reconnect, so a broker that lost its retained messages
/// gets them back; transient ones (events) are sent once or not at all.
/// </summary>
internal sealed class RetainedTopics : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, Entry> _latest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _dirty = new(StringComparer.Ordinal);
    private readonly Signal _wake = new();
    private readonly MqttConnection _connection;
    private readonly ILogger<RetainedTopics> _logger;

    public RetainedTopics(MqttConnection connection, ILogger<RetainedTopics> logger)
    {
        _connection = connection;
        _logger = logger;
        _connection.Connected += _wake.Set;
    }

    /// <summary>Replaces the value of <paramref name="topic"/> and schedules its publication.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="payload">The payload; empty with retain clears a retained message.</param>
    /// <param name="retain">Publish with the retain flag.</param>
    /// <param name="sticky">Publish again after every reconnect (false: once, and only if connected soon).</param>
    public void Set(string topic, ReadOnlyMemory<byte> payload, bool retain = true, bool sticky = true)
    {
        _latest[topic] = new Entry(payload, retain, sticky);
        _dirty[topic] = true;
        _wake.Set();
    }

    /// <summary>Publishes the current value of every topic starting with <paramref name="prefix"/> again.</summary>
    public void Touch(string prefix)
    {
        foreach (var topic in _latest.Keys.Where(t => t.StartsWith(prefix, StringComparison.Ordinal)))
        {
            _dirty[topic] = true;
        }

        _wake.Set();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long epoch = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (_connection.IsConnected && _connection.Epoch != epoch)
            {
                epoch = _connection.Epoch;
                foreach (var (topic, entry) in _latest)
                {
                    if (entry.Sticky)
                    {
                        _dirty[topic] = true;
                    }
                }
            }

            if (_connection.IsConnected)
            {
                await PublishDirtyAsync(stoppingToken);
            }
            else
            {
                // Transient values are worthless later.
                foreach (var (topic, entry) in _latest)
                {
                    if (!entry.Sticky)
                    {
                        _latest.TryRemove(topic, out _);
                        _dirty.TryRemove(topic, out _);
                    }
                }
            }

            await _wake.WaitAsync(Idle, stoppingToken);
        }
    }

    private async Task PublishDirtyAsync(CancellationToken cancellationToken)
    {
        foreach (var topic in _dirty.Keys)
        {
            if (!_dirty.TryRemove(topic, out _) || !_latest.TryGetValue(topic, out var entry))
            {
                continue;
            }

            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(entry.Payload.ToArray())
                .WithRetainFlag(entry.Retain).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            if (!await _connection.TryPublishAsync(message, cancellationToken))
            {
                if (entry.Sticky)
                {
                    _dirty[topic] = true;
                }

                _logger.LogDebug("Could not publish {Topic}; it goes out after the reconnect", topic);
                return;
            }

            if (!entry.Sticky)
            {
                _latest.TryRemove(new KeyValuePair<string, Entry>(topic, entry));
            }
        }
    }

    private sealed record Entry(ReadOnlyMemory<byte> Payload, bool Retain, bool Sticky);
}
