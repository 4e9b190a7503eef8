using System.Text.Json;
using EdgePali.Agent.Tests.Support;
using OpenCvSharp;

namespace EdgePali.Agent.Tests.Cli;

/// <summary>`edgepali infer` as a process on the real tiny model: constrained decoding on by default for detect, off on request.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class InferCommandTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>, IDisposable
{
    private static readonly string[] Labels = ["person", "car"];
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Detect_IsConstrainedByDefault_AndFreeWithConstrainedFalse()
    {
        var image = WriteImage();
        var (code, stdout, stderr) = await Infer("--image", image, "--prompt", "detect person ; car", "--json");
        Assert.True(code == 0, stderr);
        using var constrained = JsonDocument.Parse(stdout);
        Assert.True(constrained.RootElement.GetProperty("constrained").GetBoolean());
        var objects = constrained.RootElement.GetProperty("objects").EnumerateArray().ToList();
        Assert.NotEmpty(objects);
        Assert.All(objects, o => Assert.Contains(o.GetProperty("label").GetString(), Labels));

        (code, stdout, stderr) = await Infer("--image", image, "--prompt", "detect person ; car", "--constrained", "false", "--json");
        Assert.True(code == 0, stderr);
        using var free = JsonDocument.Parse(stdout);
        Assert.False(free.RootElement.GetProperty("constrained").GetBoolean());
        // The random-weight tiny model writes text, not boxes.
        Assert.Empty(free.RootElement.GetProperty("objects").EnumerateArray());
    }

    [Fact]
    public async Task Constrained_OnACaption_IsRefusedWithTheReason()
    {
        var (code, _, stderr) = await Infer("--image", WriteImage(), "--prompt", "caption en", "--constrained", "true");
        Assert.Equal(1, code);
        Assert.Contains("error: --constrained applies to detect and segment prompts only; 'caption' answers are free text.", stderr, StringComparison.Ordinal);
    }

    private Task<FinishedProcess> Infer(params string[] args) =>
        ProcessRunner.RunDotnetAsync("edgepali", ["infer", "--model", model.PackagePath, .. args], TimeSpan.FromMinutes(5), _directory.Path);

    private string WriteImage()
    {
        var path = Path.Combine(_directory.Path, "frame.png");
        using var frame = new Mat(48, 64, MatType.CV_8UC3, new Scalar(40, 120, 200));
        Cv2.Rectangle(frame, new Rect(10, 8, 30, 20), Scalar.White, -1);
        Assert.True(Cv2.ImWrite(path, frame));
        return path;
    }
}
