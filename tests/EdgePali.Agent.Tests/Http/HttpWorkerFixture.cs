using System.Net.Http.Headers;
using EdgePali.Testing;
using EdgePali.Agent.Hosting;
using EdgePali.Agent.Tests.Support;
using EdgePali.Vision.Imaging;

namespace EdgePali.Agent.Tests.Http;

/// <summary>
/// One worker for a test class: the real tiny model (ONNX Runtime), a test-pattern camera "yard" with a caption task,
/// snapshots on, the HTTP server on a free loopback port with an API key. Ready once /readyz says so and the timeline
/// holds a result.
/// </summary>
public sealed class HttpWorkerFixture : IAsyncLifetime, IDisposable
{
    public const string ApiKey = "test-key-0123456789abcdef";
    public const string Camera = "yard";
    private readonly TinyModelFixture _model = new();
    private readonly TestDirectory _state = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _errors = new();
    private Task<int>? _run;

    public Uri BaseAddress { get; } = new($"http://127.0.0.1:{FreePort.Next()}");

    /// <summary>A client that sends the API key.</summary>
    public HttpClient Client { get; private set; } = null!;

    public string StateDirectory => _state.Path;

    /// <summary>The embedded MQTT broker's port (the worker's own broker).</summary>
    public int MqttPort { get; private set; }

    public List<string> Arguments()
    {
        var arguments = AgentRun.BaseArguments(_state.Path);
        MqttPort = int.Parse(arguments.Single(a => a.StartsWith("--Mqtt:Port=", StringComparison.Ordinal))["--Mqtt:Port=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        arguments.Remove($"--Model:Path={_state.Path}");
        arguments.AddRange([
            $"--Model:Path={_model.PackagePath}", $"--Cameras:0:Name={Camera}", "--Cameras:0:Source=testpattern", "--Cameras:0:Fps=5",
            "--Cameras:0:Tasks:0:Name=caption", "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=1", "--Cameras:0:Tasks:0:MaxNewTokens=6",
            "--Snapshots:Enabled=true", "--Agent:DeviceId=dev1", $"--Http:Urls={BaseAddress.ToString().TrimEnd('/')}", $"--Http:ApiKey={ApiKey}",
        ]);
        return arguments;
    }

    public async Task InitializeAsync()
    {
        await _model.InitializeAsync();
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        _run = Task.Run(() => AgentHost.RunAsync(null, Arguments(), null, _errors, null, _stop.Token));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (true)
        {
            if (_run.IsCompleted)
                throw new InvalidOperationException($"The worker stopped (exit {await _run}): {_errors}");
            deadline.Token.ThrowIfCancellationRequested();
            try
            {
                using var ready = await Client.GetAsync("/readyz", deadline.Token);
                using var results = await Client.GetAsync("/api/results", deadline.Token);
                if (ready.IsSuccessStatusCode && (await results.Content.ReadAsStringAsync(deadline.Token)).Contains("\"seq\"", StringComparison.Ordinal))
                    return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
            await _run;
        Dispose();
    }

    public void Dispose()
    {
        Client?.Dispose();
        _stop.Dispose();
        _errors.Dispose();
        _state.Dispose();
    }

    /// <summary>A PNG of a simple scene as a data URL, as Frigate and LLM Vision send images.</summary>
    public static string ImageDataUrl()
    {
        var image = ImageFrame.CreateBgr(96, 64);
        for (var y = 0; y < image.Height; y++)
        {
            var row = image.Row(y);
            for (var x = 0; x < image.Width; x++)
            {
                row[(x * 3) + 0] = (byte)(x * 2);
                row[(x * 3) + 1] = (byte)(y * 3);
                row[(x * 3) + 2] = (byte)(x > 40 && x < 60 ? 220 : 30);
            }
        }

        using var directory = new TestDirectory();
        var path = Path.Combine(directory.Path, "scene.png");
        ImageFiles.Save(image, path);
        return "data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(path));
    }
}
