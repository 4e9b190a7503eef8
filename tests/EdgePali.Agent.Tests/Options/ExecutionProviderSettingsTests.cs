using EdgePali.Agent.Hosting;
using EdgePali.Agent.Options;
using EdgePali.Agent.Options.Validation;
using EdgePali.Agent.Resilience;
using EdgePali.Agent.Scheduling;
using EdgePali.Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Tests.Options;

/// <summary>
/// Model:ExecutionProviders: bound from a configuration file into the engine's options, and a real `edgepali run`
/// on the tiny model honouring the lists (providers this ONNX Runtime build lacks are skipped with the reason
/// logged; CPU listed or allowed runs the model; nothing allowed stops the start with the engine's message).
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class ExecutionProviderSettingsTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>, IDisposable
{
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task QnnExampleFile_BindsEveryKey_IntoTheEngineOptions()
    {
        // The plugin library must exist for the configuration to pass its checks; its content matters only at load.
        var library = Path.Combine(_state.Path, "libonnxruntime_providers_qnn.so");
        await File.WriteAllBytesAsync(library, [0x7f, (byte)'E', (byte)'L', (byte)'F']);
        var file = Path.Combine(_state.Path, "edgepali.json");
        await File.WriteAllTextAsync(file, $$"""
            { "Model": { "Path": "{{model.PackagePath}}", "ExecutionProviders": {
                "PluginLibraries": [ { "Name": "QNN", "Path": "{{library}}" } ],
                "VisionEncoder": [ { "Name": "QNN", "Options": { "backend_type": "htp", "htp_performance_mode": "burst" } }, { "Name": "CPU" } ],
                "Decoder": [ { "Name": "CPU" } ],
                "AllowCpuFallback": false,
                "Tuning": { "IntraOpThreads": 3, "InterOpThreads": 2, "AllowSpinning": false, "GraphOptimizationLevel": "Extended" } } } }
            """);
        var configuration = AgentConfiguration.Build(file, []);

        Assert.Empty(EdgePali.Agent.Options.Validation.ConfigurationShape.Check(configuration, OptionsSections.Shapes));
        using var host = AgentHost.CreateHost(configuration);
        var ep = host.Services.GetRequiredService<IOptions<ModelOptions>>().Value.ExecutionProviders;

        var plugin = Assert.Single(ep.PluginLibraries);
        Assert.Equal(("QNN", library), (plugin.Name, plugin.Path));
        Assert.Equal(["QNN", "CPU"], ep.VisionEncoder.Select(c => c.Name));
        // Provider option keys keep their case: ORT matches them exactly.
        Assert.Equal("htp", ep.VisionEncoder[0].Options["backend_type"]);
        Assert.Equal("burst", ep.VisionEncoder[0].Options["htp_performance_mode"]);
        Assert.Equal(["CPU"], ep.Decoder.Select(c => c.Name));
        Assert.Empty(ep.EmbedTokens);
        Assert.False(ep.AllowCpuFallback);
        Assert.Equal((3, 2, false, "Extended"), (ep.Tuning.IntraOpThreads, ep.Tuning.InterOpThreads, ep.Tuning.AllowSpinning, ep.Tuning.GraphOptimizationLevel));
    }

    [Fact]
    public void NoSettings_KeepTheEngineDefaults()
    {
        var configuration = AgentConfiguration.Build(null, [$"--Model:Path={model.PackagePath}"]);
        using var host = AgentHost.CreateHost(configuration);
        var ep = host.Services.GetRequiredService<IOptions<ModelOptions>>().Value.ExecutionProviders;

        Assert.Empty(ep.VisionEncoder);
        Assert.Empty(ep.Decoder);
        Assert.Empty(ep.PluginLibraries);
        Assert.True(ep.AllowCpuFallback);
        Assert.Equal((0, 1, true, "All"), (ep.Tuning.IntraOpThreads, ep.Tuning.InterOpThreads, ep.Tuning.AllowSpinning, ep.Tuning.GraphOptimizationLevel));
    }

    [Fact]
    public async Task Run_ProviderMissingFromThisBuild_IsSkippedWithItsReason_AndCpuListedRunsTheModel()
    {
        var publisher = new CollectingResultPublisher();
        using var log = new TestLoggerProvider();
        var arguments = Arguments(
            "--Model:ExecutionProviders:VisionEncoder:0:Name=QNN", "--Model:ExecutionProviders:VisionEncoder:0:Options:backend_type=htp",
            "--Model:ExecutionProviders:VisionEncoder:1:Name=CPU",
            "--Model:ExecutionProviders:Decoder:0:Name=CPU",
            "--Model:ExecutionProviders:AllowCpuFallback=false",
            "--Model:ExecutionProviders:Tuning:IntraOpThreads=1", "--Model:ExecutionProviders:Tuning:GraphOptimizationLevel=Extended");

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, () => !publisher.Results.IsEmpty, TimeSpan.FromSeconds(120), analyzer: null, publisher,
            services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(log));

        Assert.True(code == ExitCodes.Ok, errors);
        var result = Assert.Single(publisher.Results.Take(1));
        Assert.Equal("demo-tiny/int8", result.Model);
        Assert.True(result.Result.Timings.GeneratedTokens > 0, "the model generated nothing");
        Assert.True(log.Contains("Execution provider QNN skipped for VisionEncoder: not in this ONNX Runtime build"), log.ToString());
        Assert.True(log.Contains("Loaded VisionEncoder from vision_encoder_int8.onnx on CPUExecutionProvider"), log.ToString());
        Assert.True(log.Contains("Loaded Decoder from decoder_model_merged_int8.onnx on CPUExecutionProvider"), log.ToString());
    }

    [Fact]
    public async Task Run_NoListedProviderUsable_WithoutCpuFallback_StopsTheStartWithTheEnginesMessage()
    {
        var arguments = Arguments("--Model:ExecutionProviders:VisionEncoder:0:Name=QNN", "--Model:ExecutionProviders:AllowCpuFallback=false");

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, () => false, TimeSpan.FromSeconds(120), analyzer: null);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("edgepali: start-up failed: No execution provider can run the VisionEncoder: QNN: not in this ONNX Runtime build", errors, StringComparison.Ordinal);
        Assert.Contains("or allow CPU fallback", errors, StringComparison.Ordinal);
    }

    private List<string> Arguments(params string[] providers)
    {
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.Remove($"--Model:Path={_state.Path}");
        arguments.AddRange([
            $"--Model:Path={model.PackagePath}", "--Logging:LogLevel:EdgePali.Agent.Scheduling.PaliGemmaFrameAnalyzer=Information",
            "--Cameras:0:Name=ep", "--Cameras:0:Source=testpattern", "--Cameras:0:Width=64", "--Cameras:0:Height=48",
            "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=600", "--Cameras:0:Tasks:0:MaxNewTokens=4",
        ]);
        arguments.AddRange(providers);
        return arguments;
    }
}
