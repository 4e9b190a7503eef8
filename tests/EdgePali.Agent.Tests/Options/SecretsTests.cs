using System.Diagnostics;
using EdgePali.Agent.Hosting;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Options;
using EdgePali.Agent.Resilience;
using EdgePali.Agent.Tests.Mqtt;
using EdgePali.Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Tests.Options;

/// <summary>
/// Secrets stay out of the world-readable configuration (systemd credentials through `${CREDENTIALS_DIRECTORY}` in
/// every *File setting, Cameras:N:SourceFile), camera passwords never reach a validation error or the log, and a
/// password sent to a remote broker without TLS is warned about.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class SecretsTests : IDisposable
{
    private const string Password = "S3cr3t-p@ss#word";
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("rtsp://admin:" + Password + "@cam.lan/stream", "--Cameras:0:Backend=v4l2", "rtsp://admin:***@cam.lan/stream")]
    [InlineData("rtsp://admin:" + Password + "@cam.lan:554/live", "--Cameras:0:Backend=v4l2", "rtsp://admin:***@cam.lan:554/live")]
    [InlineData("http://cam.lan/snapshot.cgi?user=admin&pwd=" + Password, "--Cameras:0:Backend=v4l2", "snapshot.cgi?user=admin&pwd=***")]
    [InlineData("rtsp:/admin:" + Password + "@cam.lan/stream", "--Cameras:0:Fps=5", "rtsp:***@cam.lan/stream")]
    public async Task CameraPassword_IsNeverInAValidationError(string source, string spoiler, string shown)
    {
        var arguments = Baseline();
        arguments.AddRange([$"--Cameras:0:Source={source}", spoiler]);
        using var errors = new StringWriter();

        var code = await AgentHost.RunAsync(null, arguments, TimeSpan.FromSeconds(1), errors, null, CancellationToken.None);

        Assert.Equal(ExitCodes.InvalidConfiguration, code);
        Assert.Contains(shown, errors.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("S3cr3t", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CameraPassword_IsNeverInTheLog_WhenTheStreamFails()
    {
        // A closed port on loopback: the source fails at once and the capture loop logs it and retries.
        using var log = new TestLoggerProvider();
        var arguments = Baseline();
        arguments.AddRange([$"--Cameras:0:Source=rtsp://admin:{Password}@127.0.0.1:{FreePort.Next()}/stream", "--Logging:LogLevel:Default=Information"]);

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, () => log.Contains("reconnecting in"), TimeSpan.FromSeconds(60),
            new SlowTestAnalyzer(TimeSpan.FromMilliseconds(10)), configure: s => s.AddSingleton<ILoggerProvider>(log));

        Assert.True(code == ExitCodes.Ok, errors);
        Assert.True(log.Contains("reconnecting in"), log.ToString());
        Assert.Contains("admin:***@127.0.0.1", log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("S3cr3t", log.ToString() + errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rtsp://u:p@h/s", "rtsp://u:***@h/s")]
    [InlineData("rtsp://u:p/a@b@h:554/s", "rtsp://u:***@h:554/s")]
    [InlineData("rtsp://user@h/s", "rtsp://user@h/s")]
    [InlineData("/data/cam@2x.mp4", "/data/cam@2x.mp4")]
    [InlineData("http://h/cgi?password=x&a=1", "http://h/cgi?password=***&a=1")]
    [InlineData("http://h/cgi?a=1;PASS=x", "http://h/cgi?a=1;PASS=***")]
    [InlineData("/dev/video0", "/dev/video0")]
    public void Redact_HidesPasswordsEvenInUrlsUriCannotParse(string source, string redacted) =>
        Assert.Equal(redacted, CameraSource.Redact(source));

    /// <summary>The real program, as systemd starts it: credentials in $CREDENTIALS_DIRECTORY, the config only names them.</summary>
    [Fact]
    public async Task SystemdCredentials_CameraSourceAndMqttPassword_AreReadFromTheCredentialsDirectory()
    {
        var credentials = Directory.CreateDirectory(Path.Combine(_directory.Path, "credentials")).FullName;
        await File.WriteAllTextAsync(Path.Combine(credentials, "front-camera"), $"rtsp://admin:{Password}@cam.lan/stream\n");
        await File.WriteAllTextAsync(Path.Combine(credentials, "mqtt-password"), "device-secret\n");

        // The camera source comes from the credential: shown redacted in the (provoked) validation error.
        var (code, output) = await RunEdgepaliAsync(credentials, [
            "run", .. Baseline(), "--Cameras:0:Source=", "--Cameras:0:SourceFile=${CREDENTIALS_DIRECTORY}/front-camera", "--Cameras:0:Backend=v4l2"]);
        Assert.Equal(ExitCodes.InvalidConfiguration, code);
        Assert.Contains("Cameras:0:Backend: 'v4l2' reads V4L2 devices only, but the source is 'rtsp://admin:***@cam.lan/stream'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cr3t", output, StringComparison.Ordinal);

        // The broker password comes from the credential: mosquitto refuses anonymous clients and wrong passwords.
        await using var broker = await MosquittoBroker.StartAsync(accounts: new Dictionary<string, string> { ["edgepali-pi"] = "device-secret" });
        (code, output) = await RunEdgepaliAsync(credentials, [
            "mqtt-check", "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={broker.Port}", "--Mqtt:Username=edgepali-pi",
            "--Mqtt:PasswordFile=${CREDENTIALS_DIRECTORY}/mqtt-password", $"--Agent:StateDirectory={_directory.Path}", "--Agent:DeviceId=pi"]);
        Assert.True(code == ExitCodes.Ok, output);
        Assert.DoesNotContain("device-secret", output, StringComparison.Ordinal);
        Assert.DoesNotContain("WITHOUT TLS", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Mqtt:PasswordFile=${CREDENTIALS_DIRECTORY}/mqtt-password", "Mqtt:PasswordFile: '${CREDENTIALS_DIRECTORY}/mqtt-password' names a systemd credential, but $CREDENTIALS_DIRECTORY is not set")]
    [InlineData("--Mqtt:Tls:Enabled=true --Mqtt:Host=broker.lan --Mqtt:Tls:KeyFile=$CREDENTIALS_DIRECTORY/key --Mqtt:Tls:CertFile=/no/cert.pem", "Mqtt:Tls:KeyFile: '$CREDENTIALS_DIRECTORY/key' names a systemd credential")]
    [InlineData("--Mqtt:PasswordFile=/no/such/password", "Mqtt:PasswordFile: '/no/such/password' does not exist")]
    [InlineData("--Cameras:0:Source= --Cameras:0:SourceFile=/no/such/url", "Cameras:0:SourceFile: '/no/such/url' does not exist")]
    [InlineData("--Cameras:0:SourceFile=/no/such/url", "Cameras:0: Source and SourceFile are both set")]
    public async Task SecretFileProblems_AreNamed(string extra, string expected)
    {
        var arguments = Baseline();
        arguments.AddRange(extra.Split(' '));
        using var errors = new StringWriter();

        var code = await AgentHost.RunAsync(null, arguments, TimeSpan.FromSeconds(1), errors, null, CancellationToken.None);

        Assert.Equal(ExitCodes.InvalidConfiguration, code);
        Assert.Contains(expected, errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SecretFile_ExpandsOnlyALeadingCredentialsDirectory()
    {
        static string? Credentials(string name) => name == SecretFile.CredentialsVariable ? "/run/credentials/edgepali.service" : null;

        Assert.Equal("/run/credentials/edgepali.service/mqtt-password", SecretFile.ExpandPath("${CREDENTIALS_DIRECTORY}/mqtt-password", Credentials));
        Assert.Equal("/run/credentials/edgepali.service/key", SecretFile.ExpandPath("$CREDENTIALS_DIRECTORY/key", Credentials));
        Assert.Equal("/etc/x/${CREDENTIALS_DIRECTORY}", SecretFile.ExpandPath("/etc/x/${CREDENTIALS_DIRECTORY}", Credentials));
        Assert.Equal("${CREDENTIALS_DIRECTORY}/k", SecretFile.ExpandPath("${CREDENTIALS_DIRECTORY}/k", _ => null));
    }

    [Theory]
    [InlineData("broker.lan", "pw", false, true)]
    [InlineData("192.168.1.5", "pw", false, true)]
    [InlineData("broker.lan", "pw", true, false)]
    [InlineData("127.0.0.1", "pw", false, false)]
    [InlineData("localhost", "pw", false, false)]
    [InlineData("::1", "pw", false, false)]
    [InlineData("", "pw", false, false)]
    [InlineData("broker.lan", null, false, false)]
    public void PasswordInClear_IsOnlyARemoteBrokerWithoutTls(string host, string? password, bool tls, bool warned) =>
        Assert.Equal(warned, MqttClientOptionsFactory.SendsPasswordInClear(new MqttOptions { Host = host, Password = password, Tls = { Enabled = tls } }));

    private List<string> Baseline()
    {
        var arguments = AgentRun.BaseArguments(_directory.Path);
        arguments.AddRange(["--Cameras:0:Name=cam", "--Cameras:0:Source=testpattern", "--Cameras:0:Tasks:0:Task=caption"]);
        return arguments;
    }

    private static async Task<(int Code, string Output)> RunEdgepaliAsync(string credentials, List<string> arguments)
    {
        var start = new ProcessStartInfo(RepositoryPaths.BesideTests("edgepali"), arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment[SecretFile.CredentialsVariable] = credentials;
        var run = await ProcessRunner.RunAsync(start, TimeSpan.FromSeconds(60));
        return (run.ExitCode, run.Stdout + run.Stderr);
    }
}
