using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Server;

namespace EdgePali.Agent.Mqtt.Transport;

/// <summary>
/// Wraps the embedded broker's TCP listener so that an MQTT 3.1/3.1.1 client connecting with an empty client id and a
/// clean session (what `mosquitto_sub` and `mosquitto_pub` send by default) is given a unique id, as MQTT 3.1.1
/// section 3.1.3.1 allows a server to do. MQTTnet.Server assigns ids only to MQTT 5 clients (through
/// <see cref="ValidatingConnectionEventArgs.AssignedClientIdentifier"/>, which also tells the client) and rejects the
/// rest with "identifier rejected"; its CONNECT packet cannot be changed from any event, hence this adapter.
/// An empty id with a persistent session stays rejected, as the specification requires.
/// </summary>
internal sealed class ClientIdAssigningServerAdapter(IMqttServerAdapter inner) : IMqttServerAdapter
{
    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        inner.ClientHandler = channel => ClientHandler?.Invoke(new Channel(channel)) ?? Task.CompletedTask;
        return inner.StartAsync(options, logger);
    }

    public Task StopAsync() => inner.StopAsync();

    public void Dispose() => inner.Dispose();

    /// <summary>A client id no client would choose; broker-assigned ids are never reused within a broker's life.</summary>
    internal static string NewClientId() => "auto-" + Guid.NewGuid().ToString("N");

    /// <summary>Passes everything through, except that it fills in the client id of the first packet (CONNECT) when allowed.</summary>
    private sealed class Channel(IMqttChannelAdapter inner) : IMqttChannelAdapter
    {
        private bool _connectSeen;

        public long BytesReceived => inner.BytesReceived;

        public long BytesSent => inner.BytesSent;

        public X509Certificate2 ClientCertificate => inner.ClientCertificate;

        public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

        public EndPoint LocalEndPoint => inner.LocalEndPoint;

        public bool IsSecureConnection => inner.IsSecureConnection;

        public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

        public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
        {
            var packet = await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
            if (!_connectSeen && packet is MqttConnectPacket connect)
            {
                _connectSeen = true;
                if (string.IsNullOrEmpty(connect.ClientId) && connect.CleanSession && PacketFormatterAdapter.ProtocolVersion != MqttProtocolVersion.V500)
                {
                    connect.ClientId = NewClientId();
                }
            }

            return packet;
        }

        public void ResetStatistics() => inner.ResetStatistics();

        public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => inner.SendPacketAsync(packet, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
