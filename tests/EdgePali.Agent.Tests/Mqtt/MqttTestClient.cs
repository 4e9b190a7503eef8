using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>A dashboard's view of the broker: a real MQTT client that records everything it receives.</summary>
internal sealed class MqttTestClient : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentQueue<Received> _received = new();

    private MqttTestClient()
    {
        _client.ApplicationMessageReceivedAsync += args =>
        {
            var m = args.ApplicationMessage;
            _received.Enqueue(new Received(m.Topic, System.Buffers.BuffersExtensions.ToArray(m.Payload), m.Retain, m.CorrelationData));
            return Task.CompletedTask;
        };
    }

    public IReadOnlyList<Received> Messages => [.. _received];

    /// <param name="persistentSession">Keep the session on the broker (with a fixed client id) so nothing is missed across a broker restart.</param>
    public static async Task<MqttTestClient> ConnectAsync(int port, string[] filters, MqttProtocolVersion protocol = MqttProtocolVersion.V500,
        string? clientId = null, bool persistentSession = false, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var client = new MqttTestClient();
        var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(protocol)
            .WithClientId(clientId ?? "test-" + Guid.NewGuid().ToString("N")[..8]);
        builder = persistentSession
            ? builder.WithCleanStart(false).WithCleanSession(false).WithSessionExpiryInterval(3600)
            : builder.WithCleanStart(true).WithCleanSession(true);
        configure?.Invoke(builder);
        client._options = builder.Build();
        await client._client.ConnectAsync(client._options);
        await client.SubscribeAsync(filters);
        return client;
    }

    private MqttClientOptions? _options;

    public async Task SubscribeAsync(params string[] filters)
    {
        foreach (var filter in filters)
        {
            await _client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        }
    }

    /// <summary>Reconnects after a broker restart, retrying until the broker accepts.</summary>
    public async Task ReconnectAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    await _client.ConnectAsync(_options!);
                }

                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Publishes at QoS 1; the result carries the broker's PUBACK reason (MQTT 5: e.g. not authorized, no matching subscribers).</summary>
    public Task<MqttClientPublishResult> PublishAsync(string topic, byte[] payload, Action<MqttApplicationMessageBuilder>? configure = null)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        configure?.Invoke(builder);
        return _client.PublishAsync(builder.Build());
    }

    public Task<MqttClientPublishResult> PublishAsync(string topic, string payload, Action<MqttApplicationMessageBuilder>? configure = null) =>
        PublishAsync(topic, Encoding.UTF8.GetBytes(payload), configure);

    /// <summary>Waits until <paramref name="condition"/> holds for the messages received so far.</summary>
    public async Task<IReadOnlyList<Received>> WaitForAsync(Func<IReadOnlyList<Received>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var messages = Messages;
            if (condition(messages))
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; received {messages.Count} messages: " +
                    string.Join(" | ", messages.TakeLast(10).Select(m => $"{m.Topic} {m.Text[..Math.Min(m.Text.Length, 200)]}")));
            }

            await Task.Delay(20);
        }
    }

    public Task<Received> WaitForTopicAsync(string topic, TimeSpan timeout, Func<Received, bool>? where = null) =>
        WaitForAsync(ms => ms.Any(m => m.Topic == topic && (where?.Invoke(m) ?? true)), timeout, topic)
            .ContinueWith(t => t.Result.Last(m => m.Topic == topic && (where?.Invoke(m) ?? true)), TaskScheduler.Default);

    public void Clear() => _received.Clear();

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }

    internal sealed record Received(string Topic, byte[] Payload, bool Retain, byte[]? CorrelationData)
    {
        public string Text => Encoding.UTF8.GetString(Payload);
    }
}
