using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Pipeline;
using MQTTnet;
using MQTTnet.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Mqtt.Queue;

/// <summary>
/// Drains the offline queue into the broker, oldest first, whenever connected. A message leaves the queue only
/// once the broker acknowledged it (QoS 1/2), so an outage or crash mid-send means it is sent again: delivery is
/// at least once, in order, and subscribers can drop a repeated `seq`. Two exceptions keep one bad message from
/// blocking all later ones: a message the broker refuses for good is dropped (logged, counted as rejected), and
/// one whose sending fails <see cref="AttemptsBeforeDeferral"/> times in a row (e.g. the broker drops the connection
/// each time) is moved behind the younger messages once, and dropped as poison if that happens again.
/// </summary>
internal sealed class OfflineQueueSender : BackgroundService
{
    /// <summary>Messages in flight at once: enough to replay a long outage quickly, few enough to re-send little after a drop.</summary>
    private const int Window = 16;

    /// <summary>Failed attempts in a row at the head message before it is deferred: more than a connection blip, fewer than an outage's worth.</summary>
    internal const int AttemptsBeforeDeferral = 3;

    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);
    private readonly OfflineQueue _queue;
    private readonly MqttConnection _connection;
    private readonly MqttCounters _counters;
    private readonly ILogger<OfflineQueueSender> _logger;
    private readonly Signal _wake = new();
    private long _suspectIndex = -1;
    private int _suspectFailures;
    private bool _qosLowered;

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
        if (batch.Count == 0)
        {
            return false; // the head could not be read just now (logged by the queue): ask again shortly
        }

        var sends = new List<Task<MqttClientPublishResult>>(batch.Count);
        foreach (var entry in batch)
        {
            var m = entry.Message;
            sends.Add(_connection.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(m.Topic).WithPayload(m.Payload.ToArray())
                .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)AllowedQos(m.QualityOfService)).WithRetainFlag(m.Retain)
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
                else if (result.ReasonCode is MqttClientPublishReasonCode.QuotaExceeded)
                {
                    _logger.LogWarning("Broker deferred {Topic} ({Reason}); retrying", batch[i].Message.Topic, result.ReasonCode);
                    ok = false;
                    continue;
                }
                else if (result.ReasonCode is MqttClientPublishReasonCode.UnspecifiedError)
                {
                    _logger.LogWarning("Broker did not take {Topic} ({Reason} {ReasonString}); retrying", batch[i].Message.Topic, result.ReasonCode, result.ReasonString);
                    ok = false;
                    Failed(batch[i], result.ReasonCode.ToString());
                    continue;
                }
                else
                {
                    // Refused for good (not authorised, bad topic): retrying forever would block every later result.
                    _counters.AddRejected();
                    _logger.LogError("Broker refused {Topic} ({Reason} {ReasonString}); the message is dropped. Check the broker's ACL for this client.",
                        batch[i].Message.Topic, result.ReasonCode, result.ReasonString);
                }

                _suspectIndex = -1;
                _queue.Acknowledge(batch[i].Index);
            }
            catch (Exception ex)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    // Stopping: MQTTnet reports an abandoned acknowledgement wait as MqttCommunicationTimedOutException, not as a
                    // cancellation. The message stays queued for the next start; the host must see a clean cancellation, not a
                    // failed service (which it logs as an error and, while running, would stop the host for).
                    ok = false;
                    continue;
                }

                if (ok)
                {
                    _logger.LogDebug("Sending queued {Topic} failed ({Error}); it stays queued", batch[i].Message.Topic, ex.Message);
                    Failed(batch[i], ex.Message);
                }

                ok = false;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return ok;
    }

    /// <summary>The message's QoS, lowered to what the broker takes (MQTT 5 tells it at connect); publishing above it gets us disconnected.</summary>
    private int AllowedQos(int qos)
    {
        var maximum = _connection.MaximumQos;
        if (qos <= maximum)
        {
            return qos;
        }

        if (!_qosLowered)
        {
            _qosLowered = true;
            _logger.LogWarning("The broker takes QoS {Maximum} at most; results configured for QoS {Qos} (Mqtt:Qos) are sent at QoS {Maximum}", maximum, qos, maximum);
        }

        return maximum;
    }

    /// <summary>
    /// Counts failures of the oldest unacknowledged message (called only when every message before it in the batch
    /// was acknowledged, so it is the head); defers it, or drops it the second time, when it keeps failing.
    /// </summary>
    private void Failed(QueuedEntry entry, string error)
    {
        _suspectFailures = _suspectIndex == entry.Index ? _suspectFailures + 1 : 1;
        _suspectIndex = entry.Index;
        if (_suspectFailures < AttemptsBeforeDeferral)
        {
            return;
        }

        _suspectIndex = -1;
        if (_queue.Defer(entry.Index))
        {
            _logger.LogWarning("Sending {Topic} failed {Attempts} times in a row (last: {Error}); it is moved behind the {Waiting} younger messages and tried once more after them",
                entry.Message.Topic, AttemptsBeforeDeferral, error, _queue.Counters.Messages - 1);
        }
        else
        {
            _counters.AddRejected();
            _logger.LogError("Sending {Topic} failed {Attempts} more times after it was deferred (last: {Error}); it is dropped as undeliverable. Check the broker's limits (maximum QoS, packet size, ACL) for this client.",
                entry.Message.Topic, AttemptsBeforeDeferral, error);
        }
    }
}
