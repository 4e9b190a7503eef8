using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgePali.Agent.Publishing.Mqtt.Queue;

/// <summary>
/// Drains the offline queue into the broker, oldest first, whenever connected. A message leaves the queue only
/// once the broker acknowledged it (QoS 1/2), so an outage or crash mid-send means it is sent again: delivery is
/// at least once, in order, and subscribers can drop a repeated `seq`.
/// </summary>
internal sealed class OfflineQueueSender : BackgroundService
{
    /// <summary>Messages in flight at once: enough to replay a long outage quickly, few enough to re-send little after a drop.</summary>
    private const int Window = 16;

    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);
    private readonly OfflineQueue _queue;
    private readonly MqttConnection _connection;
    private readonly MqttCounters _counters;
    private readonly ILogger<OfflineQueueSender> _logger;
    private readonly Signal _wake = new();

    public OfflineQueueSender(OfflineQueue queue, MqttConnection connection, MqttCounters counters, ILogger<OfflineQueueSender> logger)
    {
        _queue = queue;
        _connection = connection;
        _counters = counters;
        _logger = logger;
        _connection.Connected += _wake.Set;
    }

    /// <summary>Something was appended: send it now if connected.</summary>
    public void Wake() => _wake.Set();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!_connection.IsConnected || _queue.IsEmpty)
            {
                await _wake.WaitAsync(Idle, stoppingToken);
                continue;
            }

            if (!await SendBatchAsync(stoppingToken))
            {
                // Connection trouble: the reconnect loop handles it; try again shortly or when it reconnects.
                await _wake.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>Publishes up to <see cref="Window"/> messages and acknowledges the delivered prefix. False on a connection problem.</summary>
    private async Task<bool> SendBatchAsync(CancellationToken cancellationToken)
    {
        var batch = _queue.Peek(Window);
        var sends = new List<Task<MqttClientPublishResult>>(batch.Count);
        foreach (var entry in batch)
        {
            var m = entry.Message;
            sends.Add(_connection.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(m.Topic).WithPayload(m.Payload.ToArray())
                .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)m.QualityOfService).WithRetainFlag(m.Retain)
                .WithContentType("application/json").Build(), cancellationToken));
        }

        var ok = true;
        for (var i = 0; i < sends.Count; i++)
        {
            try
            {
                var result = await sends[i];
                if (!ok)
                {
                    continue;
                }

                if (result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers)
                {
                    _counters.AddDelivered();
                }
                else if (result.ReasonCode is MqttClientPublishReasonCode.QuotaExceeded or MqttClientPublishReasonCode.UnspecifiedError)
                {
                    _logger.LogWarning("Broker deferred {Topic} ({Reason}); retrying", batch[i].Message.Topic, result.ReasonCode);
                    ok = false;
                    continue;
                }
                else
                {
                    // Refused for good (not authorised, bad topic): retrying forever would block every later result.
                    _counters.AddRejected();
                    _logger.LogError("Broker refused {Topic} ({Reason} {ReasonString}); the message is dropped. Check the broker's ACL for this client.",
                        batch[i].Message.Topic, result.ReasonCode, result.ReasonString);
                }

                _queue.Acknowledge(batch[i].Index);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (ok)
                {
                    _logger.LogDebug("Sending queued {Topic} failed ({Error}); it stays queued", batch[i].Message.Topic, ex.Message);
                }

                ok = false;
            }
        }

        return ok;
    }
}
