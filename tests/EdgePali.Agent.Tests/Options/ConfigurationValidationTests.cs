
using EdgePali.Agent.Hosting;
using EdgePali.Agent.Resilience;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Options;

/// <summary>Each bad configuration stops `edgepali run` before it starts, with exit code 2 and a message naming the key and the fix.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class ConfigurationValidationTests : IDisposable
{
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Theory]
    [InlineData("--Cameras:0:Promt=x", "Cameras:0:Promt: unknown setting")]
    [InlineData("--Cameras:0:Tasks:0:Promt=x", "Did you mean 'Prompt'?")]
    [InlineData("--Agnet:DeviceId=x", "Agnet: unknown setting. Did you mean 'Agent'?")]
    [InlineData("--Cameras:0:Fps=fast", "Cameras:0:Fps: 'fast' is not a number")]
    [InlineData("--Cameras:0:Loop=maybe", "Cameras:0:Loop: 'maybe' is not true or false")]
    [InlineData("--Cameras:first:Name=a", "Cameras:first: list items are numbered 0, 1, ...")]
    [InlineData("--Model:Variant=int3", "Model:Variant: 'int3' is not a weight variant. Use one of int8, q4, fp32, qdq.")]
    [InlineData("--Model:Path=/no/such/model", "Model:Path: '/no/such/model' does not exist")]
    [InlineData("--Agent:DeviceId=my/pi", "Agent:DeviceId: 'my/pi' cannot be an MQTT topic level")]
    [InlineData("--Agent:StatsIntervalSeconds=0", "Agent:StatsIntervalSeconds: must be more than 0")]
    [InlineData("--Cameras:0:Source=", "Cameras:0:Source: is empty")]
    [InlineData("--Cameras:0:Source=/no/such/video.avi", "Cameras:0:Source: '/no/such/video.avi' is not a device, URL or 'testpattern', and no such file exists")]
    [InlineData("--Cameras:0:Backend=v4l2", "Cameras:0:Backend: 'v4l2' reads V4L2 devices only")]
    [InlineData("--Cameras:0:Backend=gstreamer", "Cameras:0:Backend: 'gstreamer' is unknown")]
    [InlineData("--Cameras:0:Name=front/door", "Cameras:0:Name: 'front/door' is not a usable camera name")]
    [InlineData("--Cameras:1:Name=cam", "Cameras:1:Name: 'cam' is used by another camera")]
    [InlineData("--Cameras:0:Width=640", "Cameras:0:Width/Height: give both")]
    [InlineData("--Cameras:0:MaxFrameAgeSeconds=0", "Cameras:0:MaxFrameAgeSeconds: must be more than 0")]
    [InlineData("--Cameras:0:ReconnectMaxSeconds=0.5", "Cameras:0:ReconnectMaxSeconds: must be at least ReconnectInitialSeconds")]
    [InlineData("--Cameras:0:SimilarityThreshold=1.5", "Cameras:0:SimilarityThreshold: must be 0 (off) or a cosine similarity below 1")]
    [InlineData("--Cameras:0:Motion:Threshold=0", "Cameras:0:Motion:Threshold: must be a grey-level change 1..255")]
    [InlineData("--Cameras:0:Motion:MinChangedArea=2", "Cameras:0:Motion:MinChangedArea: must be a fraction 0..1")]
    [InlineData("--Cameras:0:Motion:Masks:0=0,0,1,1", "Cameras:0:Motion:Masks:0: '0,0,1,1' has 4 numbers")]
    [InlineData("--Cameras:0:Motion:Masks:0=0,0,1.5,0,1,1", "Cameras:0:Motion:Masks:0: '1.5' in '0,0,1.5,0,1,1' is not a number between 0 and 1.")]
    [InlineData("--Cameras:0:Tasks:0:Task=classify", "Cameras:0:Tasks:0:Task: 'classify' is not a task kind")]
    [InlineData("--Cameras:0:Tasks:0:Task=answer", "Cameras:0:Tasks:0:Prompt: task 'answer' needs a prompt")]
    [InlineData("--Cameras:0:Tasks:0:Task=detect", "Cameras:0:Tasks:0:Labels: task 'detect' needs at least one non-empty label")]
    [InlineData("--Cameras:0:Tasks:0:Trigger=sometimes", "Cameras:0:Tasks:0:Trigger: 'sometimes' is unknown. Use one of interval, motion, gpio, command.")]
    [InlineData("--Cameras:0:Tasks:0:IntervalSeconds=-5", "Cameras:0:Tasks:0:IntervalSeconds: must be more than 0 (got -5)")]
    [InlineData("--Cameras:0:Tasks:1:Task=caption", "Cameras:0:Tasks:1:Name: 'caption' is already used")]
    [InlineData("--Cameras:0:Tasks:0:Name=snapshot", "Cameras:0:Tasks:0:Name: task name 'snapshot' is reserved (it is a topic of the camera")]
    // The camera's command topics: a task of that name would publish its results where commands are read.
    [InlineData("--Cameras:0:Tasks:0:Name=set", "Cameras:0:Tasks:0:Name: task name 'set' is reserved (it is a topic of the camera: snapshot, set, state, ask, motion, counts, events); choose another")]
    [InlineData("--Cameras:0:Tasks:0:Name=ask", "Cameras:0:Tasks:0:Name: task name 'ask' is reserved")]
    // The MQTT commands accept at most 32 characters; the configuration no longer accepts a name they would refuse.
    [InlineData("--Cameras:0:Tasks:0:Name=a-task-name-of-thirty-three-chars", "Cameras:0:Tasks:0:Name: task name 'a-task-name-of-thirty-three-chars' is invalid: use 1-32 letters, digits, '-' or '_'")]
    [InlineData("--Cameras:0:Tasks:0:MaxNewTokens=5000", "Cameras:0:Tasks:0:MaxNewTokens: must be 0 (the task's default) to 1024")]
    [InlineData("--Cameras:0:Tasks:0:Constrained=false", "Cameras:0:Tasks:0:Constrained: only detect and segment answers are decoded under a grammar; remove the setting from this 'caption' task.")]
    [InlineData("--Cameras:0:Tasks:0:Constrained=perhaps", "Cameras:0:Tasks:0:Constrained: 'perhaps' is not true or false")]
    [InlineData("--Devices:Thermal:SlowAboveCelsius=90", "Devices:Thermal: need ResumeBelowCelsius < SlowAboveCelsius <= PauseAboveCelsius (got 70 / 90 / 82)")]
    [InlineData("--Devices:Gpio:Inputs:0:Name=pir", "Devices:Gpio:Inputs:0:Pin: set the input's GPIO number")]
    [InlineData("--Devices:Gpio:Inputs:0:Pin=17 --Devices:Gpio:Inputs:0:Cameras:0=garage", "Devices:Gpio:Inputs:0:Cameras: 'garage' is not a configured camera")]
    [InlineData("--Devices:Gpio:Outputs:0:Pin=4 --Devices:Gpio:Outputs:0:Led=ACT", "Devices:Gpio:Outputs:0: set exactly one of Pin")]
    [InlineData("--Devices:Gpio:Inputs:0:Pin=4 --Devices:Gpio:Outputs:0:Pin=4", "Devices:Gpio:Outputs:0:Pin: GPIO 4 is used twice")]
    [InlineData("--Mqtt:Hots=broker", "Mqtt:Hots: unknown setting. Did you mean 'Host'?")]
    [InlineData("--Mqtt:Port=mqtt", "Mqtt:Port: 'mqtt' is not a whole number")]
    [InlineData("--Mqtt:Username=edge", "Mqtt:Username 'edge' makes the embedded broker (Mqtt:Host empty) require a login, but no password is set")]
    [InlineData("--Mqtt:Password=secret", "Mqtt:Password or Mqtt:PasswordFile is set but Mqtt:Username is empty")]
    [InlineData("--Snapshots:Quality=0", "Snapshots:Quality: must be a JPEG quality 1..100")]
    [InlineData("--ResultLog:MaxFiles=0", "ResultLog:MaxFiles: must be at least 1")]
    [InlineData("--Health:AnalysisStallSeconds=0", "Health:AnalysisStallSeconds: must be more than 0")]
    [InlineData("--Health:MaxConsecutiveFailedAnalyses=0", "Health:MaxConsecutiveFailedAnalyses: must be 1 or more")]
    [InlineData("--Model:ExecutionProviders:VisionEncoder:0:Name=QNNN", "Model:ExecutionProviders:VisionEncoder:0:Name: 'QNNN' is not an ONNX Runtime execution provider. Did you mean 'QNN'?")]
    [InlineData("--Model:ExecutionProviders:Decoder:0:Name=CPU --Model:ExecutionProviders:Decoder:1:Name=CUDA", "Model:ExecutionProviders:Decoder:1:Name: 'CUDA' comes after CPU (Model:ExecutionProviders:Decoder:0), which takes every node left")]
    [InlineData("--Model:ExecutionProviders:Decoder:0:Name=CUDA --Model:ExecutionProviders:Decoder:1:Name=CUDAExecutionProvider", "Model:ExecutionProviders:Decoder:1:Name: 'CUDAExecutionProvider' is listed twice")]
    [InlineData("--Model:ExecutionProviders:PluginLibraries:0:Name=QNN --Model:ExecutionProviders:PluginLibraries:0:Path=/no/such/libonnxruntime_providers_qnn.so", "Model:ExecutionProviders:PluginLibraries:0:Path: '/no/such/libonnxruntime_providers_qnn.so' does not exist. Install the plugin EP library")]
    [InlineData("--Model:ExecutionProviders:PluginLibraries:0:Name=QNN --Model:ExecutionProviders:PluginLibraries:0:Path=libqnn.so", "Model:ExecutionProviders:PluginLibraries:0:Path: 'libqnn.so' is not an absolute path")]
    [InlineData("--Model:ExecutionProviders:PluginLibraries:0:Path=/usr/lib/libx.so", "Model:ExecutionProviders:PluginLibraries:0:Name: is empty")]
    [InlineData("--Model:ExecutionProviders:VisionEncodr:0:Name=QNN", "Model:ExecutionProviders:VisionEncodr: unknown setting. Did you mean 'VisionEncoder'?")]
    [InlineData("--Model:ExecutionProviders:AllowCpuFallback=perhaps", "Model:ExecutionProviders:AllowCpuFallback: 'perhaps' is not true or false")]
    [InlineData("--Model:ExecutionProviders:Tuning:GraphOptimizationLevel=Max", "Model:ExecutionProviders:Tuning:GraphOptimizationLevel: 'Max' is unknown. Use one of Disabled, Basic, Extended, All.")]
    [InlineData("--Model:ExecutionProviders:Tuning:InterOpThreads=0", "Model:ExecutionProviders:Tuning:InterOpThreads: must be 1")]
    [InlineData("--Model:ExecutionProviders:Tuning:IntraOpThreads=-1", "Model:ExecutionProviders:Tuning:IntraOpThreads: must be 0 (engine chooses) to 256")]
    [InlineData("--Model:Threads=2 --Model:ExecutionProviders:Tuning:IntraOpThreads=4", "Model:Threads: 2 contradicts Model:ExecutionProviders:Tuning:IntraOpThreads = 4")]
    public async Task BadSetting_FailsStartWithItsOwnMessage(string arguments, string expected)
    {
        var (code, errors) = await RunWithAsync(arguments.Split(' '));

        Assert.Equal(ExitCodes.InvalidConfiguration, code);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralProblems_AreAllReportedAtOnce()
    {
        var (code, errors) = await RunWithAsync(["--Cameras:0:Fps=-1", "--Model:Variant=x"]);

        Assert.Equal(ExitCodes.InvalidConfiguration, code);
        Assert.Contains("Cameras:0:Fps", errors, StringComparison.Ordinal);
        Assert.Contains("Model:Variant", errors, StringComparison.Ordinal);
        Assert.Contains("2 problems", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingConfigFile_IsNamed()
    {
        using var errors = new StringWriter();
        var code = await AgentHost.RunAsync("/no/such/edgepali.json", [], null, errors, null, CancellationToken.None);

        Assert.Equal(ExitCodes.InvalidConfiguration, code);
        Assert.Contains("--config: '/no/such/edgepali.json' does not exist", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenJsonConfigFile_NamesTheFileAndTheSyntaxError()
    {
        var file = Path.Combine(_state.Path, "broken.json");
        await File.WriteAllTextAsync(file, "{ \"Agent\": { \"DeviceId\": \"pi\", } ");
        using var errors = new StringWriter();

        var code = await AgentHost.RunAsync(file, [], null, errors, null, CancellationToken.None);

        Assert.Equal(ExitCodes.InvalidConfiguration, code);
        Assert.Contains("broken.json", errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("Fix the JSON syntax", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigFileThenCommandLine_LaterSourceWins()
    {
        var file = Path.Combine(_state.Path, "edgepali.json");
        await File.WriteAllTextAsync(file, """{ "Cameras": [ { "Name": "cam", "Source": "testpattern", "Fps": -3 } ], "Model": { "Variant": "int3" } }""");
        using var errors = new StringWriter();

        // The file says Fps -3 and Variant int3; the command line repairs Variant, so only Fps remains wrong.
        var code = await AgentHost.RunAsync(file, [.. AgentRun.BaseArguments(_state.Path), "--Model:Variant=int8"], null, errors, null, CancellationToken.None);

        Assert.Equal(ExitCodes.InvalidConfiguration, code);
        Assert.Contains("Cameras:0:Fps: must be 0 (no cap) or more (got -3)", errors.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Model:Variant", errors.ToString(), StringComparison.Ordinal);
    }

    private async Task<(int Code, string Errors)> RunWithAsync(IEnumerable<string> extra)
    {
        // A valid baseline (one testpattern camera with a caption task) that each case spoils in one place.
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.AddRange(["--Cameras:0:Name=cam", "--Cameras:0:Source=testpattern", "--Cameras:0:Tasks:0:Task=caption"]);
        arguments.AddRange(extra);
        using var errors = new StringWriter();
        var code = await AgentHost.RunAsync(null, arguments, TimeSpan.FromSeconds(1), errors, null, CancellationToken.None);
        return (code, errors.ToString());
    }
}
