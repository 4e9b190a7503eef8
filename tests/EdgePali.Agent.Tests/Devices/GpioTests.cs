using System.Device.Gpio;
using EdgePali.Agent.Devices;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Resilience;
using EdgePali.Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EdgePali.Agent.Tests.Devices;

/// <summary>GPIO trigger and output rules through the real GpioController, on a simulated driver.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class GpioTests : IDisposable
{
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task PirInput_TriggersGpioTasks_Debounced_AndOutputFollowsDetections()
    {
        var driver = new SimulatedGpioDriver();
        var analyzer = new SlowTestAnalyzer(TimeSpan.FromMilliseconds(5));
        var publisher = new CollectingResultPublisher();
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.AddRange([
            "--Cameras:0:Name=porch", "--Cameras:0:Source=testpattern", "--Cameras:0:Fps=20", "--Cameras:0:Width=64", "--Cameras:0:Height=48",
            "--Cameras:0:Tasks:0:Task=detect", "--Cameras:0:Tasks:0:Labels:0=person", "--Cameras:0:Tasks:0:Trigger=gpio", "--Cameras:0:Tasks:0:IntervalSeconds=0.01",
            "--Devices:Gpio:Inputs:0:Name=pir", "--Devices:Gpio:Inputs:0:Pin=17", "--Devices:Gpio:Inputs:0:DebounceMilliseconds=5000",
            "--Devices:Gpio:Outputs:0:Name=lamp", "--Devices:Gpio:Outputs:0:Pin=27", "--Devices:Gpio:Outputs:0:Label=person", "--Devices:Gpio:Outputs:0:HoldSeconds=2",
        ]);
        var counts = new List<int>();
        var lampOnAfterDetection = false;
        var probe = new TaskCompletionSource<StatsProbe>();
        var signal = Task.Run(async () =>
        {
            await (await probe.Task).Started;
            await Task.Delay(500);
            counts.Add(publisher.Results.Count); // before any edge: gpio tasks never run
            // A bouncing PIR: three rising edges in quick succession count as one trigger.
            for (var i = 0; i < 3; i++)
            {
                driver.Drive(17, PinValue.High);
                driver.Drive(17, PinValue.Low);
            }

            // Wait for the one analysis (generous: the machine may be busy), then look at the lamp, which holds for 2 s.
            await WaitUntilAsync(() => !publisher.Results.IsEmpty);
            lampOnAfterDetection = driver.ValueOf(27) == PinValue.High;
            counts.Add(publisher.Results.Count);
            // The lamp goes off after its hold; the bounces never caused a second analysis.
            await WaitUntilAsync(() => driver.ValueOf(27) == PinValue.Low);
            counts.Add(publisher.Results.Count);
        });

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, () => signal.IsCompleted, TimeSpan.FromSeconds(120), analyzer, publisher, services =>
        {
            services.AddSingleton(new GpioController(driver));
            services.AddHostedService(sp =>
            {
                var created = ActivatorUtilities.CreateInstance<StatsProbe>(sp);
                probe.TrySetResult(created);
                return created;
            });
        });
        await signal;

        Assert.True(code == ExitCodes.Ok, errors);
        Assert.Equal([0, 1, 1], counts);
        Assert.Equal(PinMode.InputPullDown, driver.ModeOf(17) ?? PinMode.InputPullDown);
        Assert.True(lampOnAfterDetection, "the output did not switch on after a 'person' detection");
        // Off when opened, on at the detection, off after the 2 s hold (and it stays off at shutdown).
        var levels = driver.Writes.Where(w => w.Pin == 27).Select(w => w.Value).ToList();
        var changes = levels.Where((v, i) => i == 0 || v != levels[i - 1]).ToList();
        Assert.Equal([PinValue.Low, PinValue.High, PinValue.Low], changes);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition() && DateTime.UtcNow < deadline)
            await Task.Delay(10);
    }

    [Fact]
    public void OutputRule_MatchesLabelsForDetections_AndTextForCaptions()
    {
        var rule = new EdgePali.Agent.Devices.OutputRule("person", "porch");
        var detect = Result("porch", new Vision.Tasks.DetectTask(["person", "car"]), "", [new Vision.Tasks.DetectedObject(" person", 0.8f, default, default)]);
        var detectCar = Result("porch", new Vision.Tasks.DetectTask(["person", "car"]), "person", [new Vision.Tasks.DetectedObject("car", 0.8f, default, default)]);
        var caption = Result("porch", new Vision.Tasks.CaptionTask(), "a Person walks a dog", []);
        var otherCamera = Result("garage", new Vision.Tasks.CaptionTask(), "a person", []);
        var emptyDetect = Result("porch", new Vision.Tasks.DetectTask(["person"]), "person", []);

        Assert.True(rule.Matches(detect));
        Assert.False(rule.Matches(detectCar));
        Assert.True(rule.Matches(caption));
        Assert.False(rule.Matches(otherCamera));
        Assert.False(rule.Matches(emptyDetect));
    }

    private static EdgePali.Agent.Pipeline.PublishedResult Result(string camera, Vision.Tasks.VisionTask task, string text, Vision.Tasks.DetectedObject[] objects) =>
        new(1, "dev", camera, task.Kind, DateTimeOffset.UtcNow, 64, 48, "m", new Vision.Tasks.AnalysisResult(task, text, [], objects, new Vision.Tasks.StageTimings(0, 0, 0, 0, 0, 0)));
}
