using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgePali.Agent.Tests.Mqtt;
using EdgePali.Agent.Tests.Support;
using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;
using EdgePali.Vision;
using EdgePali.Vision.Imaging;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace EdgePali.Agent.Tests.Hosting;

/// <summary>
/// The built programs on a machine where OpenCvSharp's native library cannot be found (a board with no
/// OpenCvSharpExtern): the worker captures from the test pattern, gates on motion, infers and publishes results
/// and snapshots over a real mosquitto; `edgepali infer` gives the ids the engine gives on an OpenCV-decoded
/// frame; what does need OpenCV (a video file) fails at once with a message naming what to install.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class WithoutOpenCvTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>, IDisposable
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(120);
    private readonly BuildWithoutOpenCv _build = new();
    private readonly TestDirectory _scratch = new();

    public void Dispose()
    {
        _build.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public async Task Run_TestPatternCamera_PublishesResultsAndSnapshotsOverMqtt()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var dashboard = await MqttTestClient.ConnectAsync(broker.Port, ["edgepali/nocv/#"]);
        var start = new ProcessStartInfo(_build.Edgepali, [
            "run", $"--Model:Path={model.PackagePath}", $"--Agent:StateDirectory={_scratch.Path}", "--Agent:DeviceId=nocv",
            "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={broker.Port}", "--Mqtt:StatsIntervalSeconds=1", "--Devices:Thermal:Enabled=false",
            "--Cameras:0:Name=demo", "--Cameras:0:Source=testpattern", "--Cameras:0:Width=160", "--Cameras:0:Height=120", "--Cameras:0:Fps=10",
            "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:IntervalSeconds=0.5",
            "--Cameras:0:Tasks:1:Task=detect", "--Cameras:0:Tasks:1:Labels:0=person", "--Cameras:0:Tasks:1:Trigger=motion", "--Cameras:0:Tasks:1:IntervalSeconds=0.5",
        ])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var log = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var caption = await dashboard.WaitForTopicAsync("edgepali/nocv/demo/caption", ProcessTimeout);
            var snapshot = await dashboard.WaitForTopicAsync("edgepali/nocv/demo/snapshot", ProcessTimeout);
            // The motion gate (managed) switches on when the test pattern's figure walks; the detect task follows it.
            var motion = await dashboard.WaitForTopicAsync("edgepali/nocv/demo/motion", ProcessTimeout, m => m.Text == "ON");
            var detect = await dashboard.WaitForTopicAsync("edgepali/nocv/demo/detect", ProcessTimeout);
            var stats = await dashboard.WaitForTopicAsync("edgepali/nocv/stats", ProcessTimeout, m => JsonNode.Parse(m.Text)!["analyses"]!.GetValue<long>() >= 2);

            Assert.Equal("caption", JsonNode.Parse(caption.Text)!["task"]!.GetValue<string>());
            Assert.Equal("detect", JsonNode.Parse(detect.Text)!["task"]!.GetValue<string>());
            Assert.Equal([0xFF, 0xD8], snapshot.Payload[..2]);
            var decoded = ImageFiles.Decode(snapshot.Payload);
            Assert.True(decoded.Width > 0);
            Assert.Equal(0, JsonNode.Parse(stats.Text)!["analyses_failed"]!.GetValue<long>());
            Assert.Equal("ON", motion.Text);
        }
        finally
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            if (!process.WaitForExit(10_000))
                process.Kill(entireProcessTree: true);
        }

        // The exit code is not checked here: a clean stop on SIGTERM is ProcessLifecycleTests' subject, and on a
        // machine loaded by parallel test runs the stop can outlast the host's SIGTERM wait (exit 143).
        string text;
        lock (log)
            text = log.ToString();
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("analysis failed", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Infer_ReadsPng_AndGivesTheIdsOfTheEngineOnTheOpenCvDecodedFrame()
    {
        var image = Path.Combine(_scratch.Path, "scene.png");
        using (var scene = new Mat(96, 128, MatType.CV_8UC3))
        {
            Cv2.Randu(scene, Scalar.All(0), Scalar.All(256));
            Cv2.Rectangle(scene, new Rect(20, 10, 60, 50), new Scalar(30, 200, 90), -1);
            Assert.True(Cv2.ImWrite(image, scene));
        }

        // With OpenCV present: the engine in this process on the frame OpenCV decoded.
        int[] expected;
        using (var decoded = Cv2.ImRead(image, ImreadModes.Color))
        {
            await using var engine = await PaliGemmaEngine.LoadAsync(new EngineOptions { ModelDirectory = model.PackagePath }, NullLogger.Instance, CancellationToken.None);
            // Free generation on both sides: the full 16 tokens are compared (constrained decoding may end sooner).
            var detect = (DetectTask)VisionTaskParser.Parse("detect person ; car") with { Constrained = false };
            var result = await engine.AnalyzeAsync(ToImage(decoded), detect, 16);
            expected = [.. result.TokenIds];
        }

        var annotated = Path.Combine(_scratch.Path, "annotated.png");
        var (code, output, errors) = await BuildWithoutOpenCv.RunAsync(_build.Edgepali, [
            "infer", "--model", model.PackagePath, "--image", image, "--prompt", "detect person ; car", "--max-tokens", "16", "--constrained", "false", "--json", "--annotate", annotated,
        ], ProcessTimeout);

        Assert.True(code == 0, errors);
        var ids = JsonNode.Parse(output)!["token_ids"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
        Assert.Equal(expected, ids);
        Assert.Equal(16, ids.Length);
        var written = ImageFiles.Load(annotated);
        Assert.Equal((128, 96), (written.Width, written.Height));
    }

    [Fact]
    public async Task Run_VideoFileCamera_RefusesToStart_NamingWhatToInstall()
    {
        var video = Path.Combine(_scratch.Path, "door.mp4");
        await File.WriteAllBytesAsync(video, [0, 0, 0, 24]);

        var (code, _, errors) = await BuildWithoutOpenCv.RunAsync(_build.Edgepali, [
            "run", $"--Model:Path={model.PackagePath}", $"--Agent:StateDirectory={_scratch.Path}", $"--Mqtt:Port={FreePort.Next()}",
            "--Cameras:0:Name=door", $"--Cameras:0:Source={video}",
        ], ProcessTimeout);

        Assert.True(code == 1, errors);
        Assert.Contains($"cannot start: camera 'door': '{video}' needs OpenCV's native library (libOpenCvSharpExtern.so)", errors, StringComparison.Ordinal);
        Assert.Contains("docs/deploy.md, section \"Cameras and OpenCV\"", errors, StringComparison.Ordinal);
        Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuantizeQdq_CalibratingOnAVideo_FailsNamingWhatToInstall()
    {
        var checkpoint = Path.Combine(_scratch.Path, "checkpoint");
        var fp32 = Path.Combine(_scratch.Path, "fp32");
        TestCheckpoint.Write(checkpoint, TestCheckpointPreset.Tiny, seed: 3);
        await PackageBuilder.BuildAsync(new PackageBuildOptions(checkpoint, fp32, WeightFormat.Fp32));
        var video = Path.Combine(_scratch.Path, "calibration.avi");
        await File.WriteAllBytesAsync(video, [1, 2, 3]);

        var (code, output, errors) = await BuildWithoutOpenCv.RunAsync(_build.Quantize, [
            "quantize", "--model", fp32, "--out", Path.Combine(_scratch.Path, "qdq"), "--mode", "qdq", "--calibration", video,
        ], ProcessTimeout);

        // The tool's console wraps long lines; the words are what matters.
        var all = System.Text.RegularExpressions.Regex.Replace(output + errors, @"\s+", " ");
        Assert.NotEqual(0, code);
        Assert.Contains($"Reading the video '{video}' needs OpenCV's native library (libOpenCvSharpExtern.so)", all, StringComparison.Ordinal);
        Assert.Contains("extract frames into a folder of images", all, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
    }

    private static ImageFrame ToImage(Mat bgr)
    {
        Assert.Equal(MatType.CV_8UC3, bgr.Type());
        Assert.True(bgr.IsContinuous());
        int width = bgr.Width, height = bgr.Height;
        var pixels = new byte[width * height * 3];
        System.Runtime.InteropServices.Marshal.Copy(bgr.Data, pixels, 0, pixels.Length);
        return new ImageFrame(pixels, width, height, 0, ImagePixelFormat.Bgr24);
    }
}
