using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace EdgePali.Agent.Publishing.Mqtt;

/// <summary>
/// With Mqtt:Host empty (else it does nothing), an in-process MQTT broker (MQTTnet.Server) on 127.0.0.1:Mqtt:Port, so a single board
/// works without installing one. Loopback only: other machines cannot reach it, by design.
/// </summary>
internal sealed class EmbeddedBroker(IOptions<MqttOptions> options, ILogger<EmbeddedBroker> logger) : IHostedService, IDisposable
{
    private MqttServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.Host))
        {
            return;
        }

        var port = options.Value.Port;
        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions()
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions);
        try
        {
            await _server.StartAsync();
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new InvalidOperationException(
                $"Mqtt:Host is empty, so EdgePali starts its embedded broker on 127.0.0.1:{port}, but that port is in use (another broker?). " +
                $"Use that broker with --Mqtt:Host=127.0.0.1, or choose a free --Mqtt:Port.", ex);
        }

        logger.LogWarning("Mqtt:Host is empty: running the EMBEDDED MQTT broker (MQTTnet.Server) on 127.0.0.1:{Port}, reachable from this machine only. " +
            "Set Mqtt:Host to publish to your own broker.", port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync();
        }
    }

    public void Dispose() => _server?.Dispose();
}
