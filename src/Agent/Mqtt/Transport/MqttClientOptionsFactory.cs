using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EdgePali.Agent.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgePali.Agent.Mqtt.Transport;

/// <summary>Turns <see cref="MqttOptions"/> into MQTTnet client options: endpoint, persistent session, Last Will, credentials, TLS, incoming limits.</summary>
internal static class MqttClientOptionsFactory
{
    /// <summary>
    /// MQTT 5 Receive Maximum: QoS 1/2 messages the broker may have in flight to us at once. Commands are small and
    /// handled in microseconds (queued, answered later), so a few suffice, and it bounds what a flood of commands
    /// can hold in memory to this many times <see cref="MaximumPacketSize"/>.
    /// </summary>
    public const ushort ReceiveMaximum = 10;

    /// <summary>Room for the topic, response topic, correlation data and other properties beside the largest accepted payload.</summary>
    private const int PacketOverheadBytes = 4096;

    /// <summary>MQTT 5 Maximum Packet Size: the broker drops larger messages for us instead of sending them (they would only be refused).</summary>
    public static uint MaximumPacketSize(MqttOptions options) => (uint)(options.MaxCommandBytes + PacketOverheadBytes);

    /// <summary>The host the client connects to: the configured broker, or the embedded one on loopback.</summary>
    public static string EffectiveHost(MqttOptions options) =>
        string.IsNullOrWhiteSpace(options.Host) ? "127.0.0.1" : options.Host;

    public static MqttClientOptions Create(MqttOptions options, MqttIdentity identity, MqttTopics topics)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(EffectiveHost(options), options.Port)
            .WithClientId(MqttClientId.Resolve(options, identity))
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithWillTopic(topics.Status)
            .WithWillPayload("offline")
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);

        // A persistent session keeps our subscriptions and the commands sent while we were away.
        builder = options.ProtocolVersion == "3.1.1"
            ? builder.WithProtocolVersion(MqttProtocolVersion.V311).WithCleanSession(false)
            : builder.WithProtocolVersion(MqttProtocolVersion.V500).WithCleanStart(false).WithSessionExpiryInterval((uint)options.SessionExpirySeconds)
                .WithMaximumPacketSize(MaximumPacketSize(options)).WithReceiveMaximum(ReceiveMaximum);

        var password = Password(options);
        if (!string.IsNullOrEmpty(options.Username))
        {
            builder = builder.WithCredentials(options.Username, password);
        }

        if (options.Tls.Enabled)
        {
            builder = builder.WithTlsOptions(tls => ConfigureTls(tls, options));
        }

        return builder.Build();
    }

    /// <summary>The broker password: Mqtt:Password, or the first line of Mqtt:PasswordFile.</summary>
    public static string? Password(MqttOptions options) =>
        string.IsNullOrEmpty(options.PasswordFile) ? options.Password : SecretFile.ReadFirstLine(options.PasswordFile);

    /// <summary>
    /// True when a password would cross the network unencrypted: credentials, no TLS, and a broker that is not on
    /// this machine (on loopback nobody can listen in without already being root here).
    /// </summary>
    public static bool SendsPasswordInClear(MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var hasPassword = !string.IsNullOrEmpty(options.Password) || !string.IsNullOrEmpty(options.PasswordFile);
        var host = EffectiveHost(options);
        var local = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
        return hasPassword && !options.Tls.Enabled && !local;
    }

    private static void ConfigureTls(MqttClientTlsOptionsBuilder tls, MqttOptions options)
    {
        tls.UseTls().WithTargetHost(string.IsNullOrWhiteSpace(options.Tls.ServerName) ? options.Host : options.Tls.ServerName);
        if (!string.IsNullOrEmpty(options.Tls.CertFile))
        {
            using var pem = X509Certificate2.CreateFromPemFile(options.Tls.CertFile, options.Tls.KeyFile);

            // Re-import as PKCS#12 so the private key is usable by SslStream on every platform.
            var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            tls.WithClientCertificates([certificate]);
        }

        if (!string.IsNullOrEmpty(options.Tls.CaFile))
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(options.Tls.CaFile);
            tls.WithCertificateValidationHandler(args => IsTrustedBy(authorities, args.Certificate, args.SslPolicyErrors));
        }
    }

    /// <summary>Chain the broker's certificate to the configured CA only (not the system store), and check the name.</summary>
    private static bool IsTrustedBy(X509Certificate2Collection authorities, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
