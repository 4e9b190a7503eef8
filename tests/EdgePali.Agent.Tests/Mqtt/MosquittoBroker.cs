using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>
/// A real mosquitto (Debian package) started by a test on a free port with its own temporary config, as
/// mosquitto's own tests do. Can be stopped and started again on the same port (broker outage), optionally with
/// persistence so sessions and queued messages survive the restart, and with TLS.
/// </summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgepali-mosquitto-").FullName;
    private readonly string _config;
    private Process? _process;

    private MosquittoBroker(int port, bool persistence, Func<string, string>? extraConfig, IReadOnlyDictionary<string, string>? accounts, string? acl)
    {
        Port = port;
        _config = Path.Combine(_directory, "mosquitto.conf");
        var text = new StringBuilder()
            .AppendLine($"listener {port} 127.0.0.1")
            .AppendLine(accounts is null ? "allow_anonymous true" : "allow_anonymous false")

            // Started as root, mosquitto switches to the user "mosquitto", which cannot write our temporary folder.
            .AppendLine($"user {Environment.UserName}")
            .AppendLine("max_queued_messages 100000")
            .AppendLine("log_dest stderr")
            .AppendLine("log_type error")
            .AppendLine(extraConfig?.Invoke(_directory) ?? "");
        if (accounts is not null)
        {
            text.AppendLine($"password_file {WritePasswordFile(accounts)}");
        }

        if (acl is not null)
        {
            var aclFile = Path.Combine(_directory, "acl");
            File.WriteAllText(aclFile, acl);
            text.AppendLine($"acl_file {aclFile}");
        }

        if (persistence)
        {
            text.AppendLine("persistence true").AppendLine($"persistence_location {_directory}/").AppendLine("autosave_interval 1");
        }

        File.WriteAllText(_config, text.ToString());
    }

    public int Port { get; }

    /// <param name="persistence">Keep sessions and queued messages across a stop/start (as a real deployment does).</param>
    /// <param name="extraConfig">More config lines, given the broker's folder (e.g. TLS files the test writes there).</param>
    /// <param name="accounts">User name -> password: anonymous clients are refused and these accounts (a mosquitto_passwd file) may connect.</param>
    /// <param name="acl">The text of a mosquitto acl_file.</param>
    public static async Task<MosquittoBroker> StartAsync(bool persistence = false, Func<string, string>? extraConfig = null,
        IReadOnlyDictionary<string, string>? accounts = null, string? acl = null)
    {
        var broker = new MosquittoBroker(FreePort.Next(), persistence, extraConfig, accounts, acl);
        await broker.StartAsync();
        return broker;
    }

    /// <summary>Starts (again) on the same port and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("mosquitto", ["-c", _config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start; install the Debian package mosquitto (./test.sh does).");
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode} (port {Port}, config {_config}).");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"mosquitto did not listen on {Port} within 30 s.");
    }

    /// <summary>Stops the broker the way systemd does (SIGTERM: it saves persistence and exits).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Writes the accounts with mosquitto_passwd (hashed, as on a real broker) and returns the file.</summary>
    private string WritePasswordFile(IReadOnlyDictionary<string, string> accounts)
    {
        var file = Path.Combine(_directory, "passwords");
        File.WriteAllText(file, "");
        foreach (var (user, password) in accounts)
        {
            ProcessRunner.RunAsync("mosquitto_passwd", ["-b", file, user, password], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult()
                .EnsureSuccess("install the Debian package mosquitto (./test.sh does)");
        }

        return file;
    }
}
