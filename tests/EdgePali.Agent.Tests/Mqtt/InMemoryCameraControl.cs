using EdgePali.Agent.Control;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Tasks;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>
/// Test double for the worker's side of the <see cref="ICameraControl"/> boundary (the real one runs the model):
/// settings kept in memory, and an ask or a task run answered with a fixed analysis so the MQTT request/reply
/// path can be checked. Everything on the MQTT side talks to a real broker.
/// </summary>
internal sealed class InMemoryCameraControl : ICameraControl
{
    private readonly Dictionary<string, CameraSettings> _settings;
    private readonly Dictionary<string, CameraSettings> _configured;
    private readonly Lock _gate = new();

    public InMemoryCameraControl(params CameraSettings[] cameras)
    {
        _settings = cameras.ToDictionary(c => c.Camera);
        _configured = cameras.ToDictionary(c => c.Camera);
        CameraNames = [.. cameras.Select(c => c.Camera)];
    }

    public IReadOnlyList<string> CameraNames { get; }

    public int Applied { get; private set; }

    public CameraSettings? GetSettings(string camera)
    {
        lock (_gate)
        {
            return _settings.GetValueOrDefault(camera);
        }
    }

    public CameraSettings? GetConfiguredSettings(string camera) => _configured.GetValueOrDefault(camera);

    public ValueTask<SettingsChangeOutcome> ApplySettingsAsync(CameraSettings desired, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _settings[desired.Camera] = desired;
            Applied++;
            return ValueTask.FromResult(SettingsChangeOutcome.Accepted(desired));
        }
    }

    public ValueTask<AskAnswer> AskAsync(string camera, VisionTask task, CancellationToken cancellationToken)
    {
        if (camera == "dark")
        {
            throw new CameraControlException($"camera '{camera}' has no frame yet; try again when it is streaming");
        }

        var objects = task is DetectTask d
            ? d.Labels.Select((l, i) => new DetectedObject(l, 0.9f, new BoxF(10 + i, 20, 110, 220), new BoxF(10f / 640, 20f / 480, 110f / 640, 220f / 480))).ToArray()
            : [];
        var result = new AnalysisResult(task, $"reply to {task.Prefix}", [1, 2, 3], objects, new StageTimings(1, 2, 3, 4, 300, 3));
        return ValueTask.FromResult(new AskAnswer(result, DateTimeOffset.UtcNow, 640, 480, "test-model/int8"));
    }

    public ValueTask<EdgePali.Agent.Pipeline.PublishedResult> RunTaskAsync(string camera, string taskName, CancellationToken cancellationToken)
    {
        var settings = GetSettings(camera) ?? throw new CameraControlException($"no camera '{camera}'");
        if (RunTaskCommand.Check(settings, taskName) is { } refused)
        {
            throw new CameraControlException(refused);
        }

        var task = settings.Tasks.Single(t => t.Name == taskName).ToVisionTask();
        var result = new AnalysisResult(task, $"run of {taskName}", [1], [], new StageTimings(1, 2, 3, 4, 300, 1));
        return ValueTask.FromResult(new EdgePali.Agent.Pipeline.PublishedResult(Interlocked.Increment(ref _runs), "dev1", camera, taskName, DateTimeOffset.UtcNow, 640, 480, "test-model/int8", result));
    }

    private long _runs;

    public static CameraSettings Settings(string camera) => new(camera, true,
    [
        new TaskSettings("caption", "caption", null, [], TaskTrigger.Interval, TimeSpan.FromSeconds(60)),
        new TaskSettings("people", "detect", null, ["person", "car"], TaskTrigger.Motion, TimeSpan.FromSeconds(5)),
    ]);
}
