using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>TLS to mosquitto with a CA and client certificates made by the test with openssl; the broker requires a client certificate.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class MqttTlsTests
{
    [Fact]
    public async Task Tls_WithCaAndClientCertificate_Connects_AndWithoutClientCertificate_DoesNot()
    {
        var pki = Directory.CreateTempSubdirectory("edgepali-pki-").FullName;
        await MakeCertificatesAsync(pki);
        await using var broker = await MosquittoBroker.StartAsync(extraConfig: _ =>
            $"cafile {pki}/ca.crt\ncertfile {pki}/server.crt\nkeyfile {pki}/server.key\nrequire_certificate true\n");

        var settings = MqttAgentHost.Settings(broker.Port, Directory.CreateTempSubdirectory("edgepali-mqtt-").FullName, device: "tls1");
        settings["Mqtt:Tls:Enabled"] = "true";
        settings["Mqtt:Tls:CaFile"] = $"{pki}/ca.crt";
        settings["Mqtt:Tls:CertFile"] = $"{pki}/client.crt";
        settings["Mqtt:Tls:KeyFile"] = $"{pki}/client.key";
        settings["Mqtt:Tls:ServerName"] = "localhost";
        await using (var agent = await MqttAgentHost.StartAsync(settings))
        {
            await using var dashboard = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/tls1/#"], configure: b => b.WithTlsOptions(o => o
                .UseTls().WithTargetHost("localhost")
                .WithClientCertificates([X509CertificateLoader.LoadPkcs12(X509Certificate2.CreateFromPemFile($"{pki}/client.crt", $"{pki}/client.key").Export(X509ContentType.Pkcs12), null)])
                .WithCertificateValidationHandler(_ => true)));
            await agent.Publisher.PublishAsync(TestResults.Caption(1, device: "tls1"), CancellationToken.None);
            var result = await dashboard.WaitForTopicAsync("edgepali/tls1/front/caption", TimeSpan.FromSeconds(15));
            Schemas.AssertValid("result", result.Text);
        }

        settings.Remove("Mqtt:Tls:CertFile");
        settings.Remove("Mqtt:Tls:KeyFile");
        settings["Agent:DeviceId"] = "tls2";
        await using var refused = await MqttAgentHost.StartAsync(settings, waitForConnection: false);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(refused.Connection.IsConnected);
        Assert.Equal(0, refused.Connection.Epoch);
    }

    private static async Task MakeCertificatesAsync(string dir)
    {
        File.WriteAllText(Path.Combine(dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        string[][] steps =
        [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=EdgePali test CA"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=edgepali-agent"],
            ["x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.crt", "-days", "2"],
        ];
        foreach (var step in steps)
        {
            (await ProcessRunner.RunAsync("openssl", step, TimeSpan.FromMinutes(1), dir)).EnsureSuccess("openssl makes the test certificates; ./test.sh installs it");
        }
    }
}
