using EdgePali.Vision.Inference;
using EdgePali.Vision.Packages;
using Microsoft.Extensions.Logging;

namespace EdgePali.Vision.Tests.Inference;

[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class SessionFactoryTests : IDisposable
{
    private const int Float = 1;
    private readonly HandMadePackage _pkg = new();
    private readonly string _model;

    public SessionFactoryTests()
    {
        _pkg.WriteVariantFiles("");
        _model = _pkg.OnnxPath("vision_encoder");
        File.WriteAllBytes(_model, HandMadePackage.IdentityModel(("pixel_values", Float, [1, 3, 28, 28], "image_features")));
    }

    [Fact]
    public void ProviderNotInThisBuild_IsSkippedWithLoggedReason_AndCpuRuns()
    {
        using var log = new TestLoggerProvider();
        var logger = log.CreateLogger<SessionFactory>();
        var options = new ExecutionProviderOptions { VisionEncoder = [new ExecutionProviderChoice { Name = "XNNPACK" }] };
        using var session = new SessionFactory(options, logger).Create(ModelPart.VisionEncoder, _model);
        Assert.Equal(["CPUExecutionProvider"], session.Providers);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("XNNPACK skipped for VisionEncoder: not in this ONNX Runtime build", StringComparison.Ordinal));
    }

    [Fact]
    public void NothingUsable_WithoutCpuFallback_FailsClearly()
    {
        var options = new ExecutionProviderOptions
        {
            Decoder = [new ExecutionProviderChoice { Name = "QNNExecutionProvider" }, new ExecutionProviderChoice { Name = "TensorRT" }],
            AllowCpuFallback = false,
        };
        var ex = Assert.Throws<ExecutionProviderException>(() => new SessionFactory(options, new TestLoggerProvider().CreateLogger<SessionFactory>()).Create(ModelPart.Decoder, _model));
        Assert.Contains("No execution provider can run the Decoder", ex.Message, StringComparison.Ordinal);
        Assert.Contains("QNNExecutionProvider: not in this ONNX Runtime build", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuListed_RunsOnCpuEvenWithoutFallback()
    {
        var options = new ExecutionProviderOptions { VisionEncoder = [new ExecutionProviderChoice { Name = "cpu" }], AllowCpuFallback = false };
        using var session = new SessionFactory(options, new TestLoggerProvider().CreateLogger<SessionFactory>()).Create(ModelPart.VisionEncoder, _model);
        Assert.Equal(["CPUExecutionProvider"], session.Providers);
    }

    [Fact]
    public void MissingPluginLibrary_IsLoggedNotThrown()
    {
        using var log = new TestLoggerProvider();
        var logger = log.CreateLogger<SessionFactory>();
        var options = new ExecutionProviderOptions { PluginLibraries = [new PluginProviderLibrary { Name = "QNN", Path = "/nonexistent/libonnxruntime_providers_qnn.so" }] };
        _ = new SessionFactory(options, logger);
        Assert.Contains(log.Entries, e => e.Message.Contains("Plugin EP library QNN not registered: /nonexistent/libonnxruntime_providers_qnn.so does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void ProviderNames_MatchShortAndFullForms()
    {
        Assert.Equal("qnn", SessionFactory.ShortName("QNNExecutionProvider"));
        Assert.Equal("tensorrt", SessionFactory.ShortName("TensorrtExecutionProvider"));
        Assert.Equal("tensorrt", SessionFactory.ShortName("TensorRT"));
        Assert.Equal("cpu", SessionFactory.ShortName(" CPU "));
    }

    public void Dispose() => _pkg.Dispose();
}
