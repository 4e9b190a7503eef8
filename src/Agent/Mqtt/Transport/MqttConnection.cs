using EdgePali.Agent.Resilience;
using MQTTnet;
using MQTTnet.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Mqtt.Transport;

/// <summary>
/// The one MQTT client of the agent and its reconnect loop (MQTTnet 5 has no managed client). On every
/// connect: `online` (retained) on the status topic, then every subscription again; the Last Will publishes
/// `offline` if the agent dies. Others wait for a connection with <see cref="WaitForConnectionAsync"/>.
/// </summary>
internal sealed class MqttConnection : BackgroundService
{
    private static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(5);

    private readonly MqttOptions _options;
    private readonly MqttTopics _topics;
    private readonly ILogger<MqttConnection> _logger;
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly Lock _gate = new();
    private readonly List<(string Filter, Func<MqttApplicationMessageReceivedEventArgs, Task> Handler)> _subscriptions = [];
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _epoch;
    private long _reconnects;
    private volatile bool _stopping;

    public MqttConnection(IOptions<MqttOptions> options, MqttIdentity identity, MqttTopics topics, ILogger<MqttConnection> logger)
    {
        _options = options.Value;
        _topics = topics;
        _logger = logger;
        _clientOptions = MqttClientOptionsFactory.Create(_options, identity, topics);
        if (MqttClientOptionsFactory.SendsPasswordInClear(_options))
        {
            _logger.LogWarning("MQTT: the password for {Username} goes to {Host}:{Port} WITHOUT TLS, readable by anyone on the network path. " +
                "Set Mqtt:Tls:Enabled=true (usually with Mqtt:Port=8883) on a broker with a TLS listener.", _options.Username, Host, _options.Port);
        }
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += DispatchAsync;
        _client.DisconnectedAsync += args =>
        {
            if (args.ClientWasConnected && !_stopping)
            {
                _logger.LogWarning("MQTT connection to {Host}:{Port} lost ({Reason}); results are queued on disk until it is back",
                    Host, _options.Port, args.Exception?.Message ?? args.Reason.ToString());
            }

            _disconnected.TrySetResult();
            return Task.CompletedTask;
        };
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>True when the connection speaks MQTT 5 (response topics, correlation data, user properties).</summary>
    public bool IsMqtt5 => _options.ProtocolVersion != "3.1.1";

    /// <summary>Connections made so far (1 after the first, +1 per reconnect).</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>
    /// The highest QoS the broker takes (MQTT 5 CONNACK "Maximum QoS"; 2 when it does not say). Publishing above it
    /// makes the broker drop the connection, so publishers send at most this.
    /// </summary>
    public int MaximumQos { get; private set; } = 2;

    /// <summary>Raised after each (re)connect, once status and subscriptions are in place. Handlers must return at once.</summary>
    public event Action? Connected;

    private string Host => MqttClientOptionsFactory.EffectiveHost(_options);

    /// <summary>Subscribes now if connected and again on every reconnect. Handlers must be quick: hand work to a queue.</summary>
    public async Task SubscribeAsync(string filter, Func<MqttApplicationMessageReceivedEventArgs, Task> handler, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _subscriptions.Add((filter, handler));
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The reconnect subscribes it.
            }
        }
    }

    /// <summary>Waits until a connection newer than <paramref name="seenEpoch"/> is up; returns its epoch.</summary>
    public async Task<long> WaitForConnectionAsync(long seenEpoch, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_client.IsConnected && _epoch > seenEpoch)
                {
                    return _epoch;
                }

                wait = _connected.Task;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Publishes; throws when not connected (callers that must not lose the message use the offline queue).</summary>
    public async Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken) =>
        await _client.PublishAsync(ForProtocol(message), cancellationToken);

    /// <summary>Best-effort publish for messages that are worthless later (replies, stats, events): false when it did not go out.</summary>
    public async Task<bool> TryPublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (!_client.IsConnected)
        {
            return false;
        }

        try
        {
            var result = await _client.PublishAsync(ForProtocol(message), cancellationToken);
            return result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Includes MQTTnet's MqttCommunicationTimedOutException (no acknowledgement in time, e.g. while the stop's time runs out).
            _logger.LogDebug("Publishing on {Topic} failed: {Error}", message.Topic, ex.Message);
            return false;
        }
    }

    /// <summary>
    /// MQTT 3.1.1 has no message properties and MQTTnet refuses to send a message that carries one ("Feature
    /// ContentType requires MQTT version 5.0.0"), so the content type that results, stats and replies set is left
    /// out there. (Response topic and correlation data are only ever set on MQTT 5 connections.)
    /// </summary>
    private MqttApplicationMessage ForProtocol(MqttApplicationMessage message)
    {
        if (!IsMqtt5)
        {
            message.ContentType = null;
        }

        return message;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        await base.StopAsync(cancellationToken);
        if (_client.IsConnected)
        {
            try
            {
                // A clean shutdown does not fire the Last Will, so say it ourselves.
                await TryPublishAsync(new MqttApplicationMessageBuilder().WithTopic(_topics.Status).WithPayload("offline")
                    .WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
                await _client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.NormalDisconnection, "agent stopping");
            }
            catch (OperationCanceledException)
            {
                // The stop ran out of time (a slow or dead broker): the process ends anyway and the broker's Last Will says offline.
                _logger.LogWarning("MQTT: no time left to publish offline on {StatusTopic} before stopping", _topics.Status);
            }
        }
    }

    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var min = TimeSpan.FromSeconds(_options.ReconnectMinSeconds);
        var max = TimeSpan.FromSeconds(_options.ReconnectMaxSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (_client.IsConnected)
            {
                Task disconnected;
                lock (_gate)
                {
                    disconnected = _disconnected.Task;
                }

                await Task.WhenAny(disconnected, Task.Delay(IdleCheck, stoppingToken));
                continue;
            }

            try
            {
                lock (_gate)
                {
                    _disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                var result = await _client.ConnectAsync(_clientOptions, stoppingToken);
                await OnConnectedAsync(result, failures, stoppingToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = Backoff.WithJitter(failures, min, max, Random.Shared);

                // Loud on the first failure and then now and again; quiet in between so an outage does not flood the journal.
                var level = failures == 1 || failures % 20 == 0 ? LogLevel.Warning : LogLevel.Debug;
                _logger.Log(level, "MQTT broker {Host}:{Port} not reachable ({Error}); attempt {Attempt}, retrying in {DelaySeconds:F1} s",
                    Host, _options.Port, ex.Message, failures, delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task OnConnectedAsync(MqttClientConnectResult result, int failures, CancellationToken cancellationToken)
    {
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(_topics.Status).WithPayload("online")
            .WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
        string[] filters;
        lock (_gate)
        {
            filters = _subscriptions.Select(s => s.Filter).Distinct().ToArray();
        }

        if (filters.Length > 0)
        {
            var subscribe = new MqttClientSubscribeOptionsBuilder();
            foreach (var filter in filters)
            {
                subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce);
            }

            await _client.SubscribeAsync(subscribe.Build(), cancellationToken);
        }

        // MQTT 3.1.1 has no such field (MQTTnet then reports 0): assume 2, as an MQTT 5 CONNACK without it means.
        MaximumQos = IsMqtt5 ? (int)result.MaximumQoS : 2;
        var epoch = Interlocked.Increment(ref _epoch);
        if (epoch > 1)
        {
            Interlocked.Increment(ref _reconnects);
        }

        _logger.LogInformation("MQTT connected to {Host}:{Port} (MQTT {Protocol}, session present: {SessionPresent}, after {Failures} failed attempts); status online on {StatusTopic}",
            Host, _options.Port, _options.ProtocolVersion, result.IsSessionPresent, failures, _topics.Status);
        lock (_gate)
        {
            _connected.TrySetResult();
            _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        Connected?.Invoke();
    }

    private async Task DispatchAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        (string Filter, Func<MqttApplicationMessageReceivedEventArgs, Task> Handler)[] subscriptions;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions];
        }

        foreach (var (filter, handler) in subscriptions)
        {
            if (MqttTopicFilterComparer.Compare(args.ApplicationMessage.Topic, filter) == MqttTopicFilterCompareResult.IsMatch)
            {
                try
                {
                    await handler(args);
                }
                catch (Exception ex)
                {
                    // A handler bug must not take the client down; the message is logged and skipped.
                    _logger.LogError(ex, "Handling a message on {Topic} failed", args.ApplicationMessage.Topic);
                }
            }
        }
    }
}
