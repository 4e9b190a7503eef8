using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgePali.Agent.Mqtt.Transport;

/// <summary>
/// With Mqtt:Host empty (else it does nothing), an in-process MQTT broker (MQTTnet.Server) on 127.0.0.1:Mqtt:Port, so a single board
/// works without installing one. Loopback only: other machines cannot reach it, by design. Any MQTT 3.1.1 or 5 client
/// can use it: one that sends no client id gets one assigned. With Mqtt:Username set, it accepts only that account
/// (Mqtt:Password / Mqtt:PasswordFile), which the agent itself logs in with, so other users of the machine cannot
/// read the results or send commands without the password.
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
        var factory = new MqttServerFactory();
        var listeners = factory.DefaultServerAdapters.Select(create => (IMqttServerAdapter)new ClientIdAssigningServerAdapter(create(factory))).ToList();
        _server = factory.CreateMqttServer(serverOptions, listeners);
        _server.ValidatingConnectionAsync += CreateValidator();
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

        var account = string.IsNullOrEmpty(options.Value.Username)
            ? "any client (set Mqtt:Username and Mqtt:Password to require a login)"
            : $"the account '{options.Value.Username}' only";
        logger.LogWarning("Mqtt:Host is empty: running the EMBEDDED MQTT broker (MQTTnet.Server) on 127.0.0.1:{Port}, reachable from this machine only, for {Account}. " +
            "Set Mqtt:Host to publish to your own broker.", port, account);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync();
        }
    }

    public void Dispose() => _server?.Dispose();

    /// <summary>Assigns ids to MQTT 5 clients that send none, and checks the login when an account is configured.</summary>
    private Func<ValidatingConnectionEventArgs, Task> CreateValidator()
    {
        byte[]? user = null;
        byte[]? password = null;
        if (!string.IsNullOrEmpty(options.Value.Username))
        {
            // The broker requires exactly what the agent logs in with (Mqtt:Password or Mqtt:PasswordFile).
            user = Encoding.UTF8.GetBytes(options.Value.Username);
            password = Encoding.UTF8.GetBytes(MqttClientOptionsFactory.Password(options.Value) ?? "");
        }

        return args =>
        {
            if (string.IsNullOrEmpty(args.ClientId))
            {
                // MQTT 5: the CONNACK carries the assigned id to the client (3.1.1 clients get theirs from ClientIdAssigningServerAdapter).
                args.AssignedClientIdentifier = ClientIdAssigningServerAdapter.NewClientId();
            }

            if (user is not null && !(FixedTimeEquals(user, args.UserName) && CryptographicOperations.FixedTimeEquals(password, args.RawPassword ?? [])))
            {
                args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
                logger.LogWarning("Embedded MQTT broker: refused {Endpoint} (client id '{ClientId}'): wrong or missing user name or password", args.RemoteEndPoint, args.ClientId);
            }

            return Task.CompletedTask;
        };
    }

    private static bool FixedTimeEquals(byte[] expected, string? actual) =>
        CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(actual ?? ""));
}
