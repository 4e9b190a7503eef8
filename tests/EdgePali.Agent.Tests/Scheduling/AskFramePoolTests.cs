using EdgePali.Agent.Control;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Resilience;
using EdgePali.Agent.Scheduling;
using EdgePali.Agent.Tests.Support;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgePali.Agent.Tests.Scheduling;

/// <summary>
/// Questions and tasks run by name take their frame from the <see cref="FramePool"/> and the scheduler gives it back
/// whatever the outcome (answered, failed, given up by the asker), so steady questions allocate no new frame buffers
/// (0.9 MB each at 640x480, large-object-heap garbage the memory soak showed as RSS growth).
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class AskFramePoolTests : IDisposable
{
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task AskAndRunByName_ReuseOneFrame_AndGiveItBackAfterAFailureOrATimeout()
    {
        var analyzer = new SwitchableAnalyzer();
        var publisher = new CollectingResultPublisher();
        AskProbe? probe = null;
        var arguments = AgentRun.BaseArguments(_state.Path);
        arguments.AddRange([
            "--Cameras:0:Name=door", "--Cameras:0:Source=testpattern", "--Cameras:0:Fps=20", "--Cameras:0:Width=64", "--Cameras:0:Height=48",
            "--Cameras:0:Tasks:0:Name=bell", "--Cameras:0:Tasks:0:Task=caption", "--Cameras:0:Tasks:0:Trigger=command",
        ]);

        var (code, errors) = await AgentRun.RunUntilAsync(arguments, () => probe?.Finished.IsCompleted == true, TimeSpan.FromSeconds(60), analyzer, publisher, services =>
            services.AddHostedService(sp => probe = new AskProbe(sp.GetRequiredService<ICameraControl>(), sp.GetRequiredService<FramePool>(), analyzer)));

        Assert.True(code == ExitCodes.Ok, errors);
        Assert.NotNull(probe);
        Assert.True(probe.Finished.IsCompletedSuccessfully, probe.Finished.Exception?.ToString() ?? "the probe did not finish in time");
        var report = await probe.Finished;
        Assert.Equal(1, report.CreatedAfterFirst);
        Assert.Equal(report.CreatedAfterFirst, report.CreatedAfterSteady);
        Assert.Equal(report.CreatedAfterSteady, report.FreeAfterFailure);
        Assert.Equal(report.CreatedAfterSteady, report.FreeAfterTimeout);
        Assert.True(report.CreatedAtEnd <= 2, $"{report.CreatedAtEnd} frame buffers made for {AskProbe.Steady + 3} requests");
    }

    internal sealed record PoolReport(long CreatedAfterFirst, long CreatedAfterSteady, int FreeAfterFailure, int FreeAfterTimeout, long CreatedAtEnd);

    /// <summary>Asks questions and runs a task by name in turn once the worker is up, checking the pool between them.</summary>
    internal sealed class AskProbe(ICameraControl control, FramePool pool, SwitchableAnalyzer analyzer) : BackgroundService
    {
        public const int Steady = 5;

        private readonly TaskCompletionSource<PoolReport> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<PoolReport> Finished => _finished.Task;

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            try
            {
                _finished.TrySetResult(await RunAsync(stoppingToken));
            }
            catch (Exception e)
            {
                _finished.TrySetException(e);
            }
        }

        private async Task<PoolReport> RunAsync(CancellationToken stoppingToken)
        {
            var caption = new CaptionTask();
            // Refused until the model is loaded and the camera has a frame: those refusals rent and return too.
            while (true)
            {
                try
                {
                    await control.AskAsync("door", caption, stoppingToken);
                    break;
                }
                catch (CameraControlException)
                {
                    await Task.Delay(50, stoppingToken);
                }
            }

            await WaitAllReturnedAsync(stoppingToken);
            var afterFirst = pool.Created;
            for (var i = 0; i < Steady; i++)
            {
                await control.AskAsync("door", caption, stoppingToken);
                await control.RunTaskAsync("door", "bell", stoppingToken);
                await WaitAllReturnedAsync(stoppingToken);
            }

            var afterSteady = pool.Created;

            // The analysis fails: the asker gets the error, the frame goes back.
            analyzer.Fail = true;
            await Assert.ThrowsAsync<CameraControlException>(async () => await control.AskAsync("door", caption, stoppingToken));
            analyzer.Fail = false;
            await WaitAllReturnedAsync(stoppingToken);
            var freeAfterFailure = pool.Free;

            // The asker gives up while the model works on it: the frame goes back once the scheduler is done with it.
            analyzer.Delay = TimeSpan.FromMilliseconds(500);
            using (var impatient = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                impatient.CancelAfter(TimeSpan.FromMilliseconds(100));
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await control.AskAsync("door", caption, impatient.Token));
            }

            analyzer.Delay = TimeSpan.Zero;
            await WaitAllReturnedAsync(stoppingToken);
            var freeAfterTimeout = pool.Free;
            return new PoolReport(afterFirst, afterSteady, freeAfterFailure, freeAfterTimeout, pool.Created);
        }

        /// <summary>The scheduler returns the frame just after it completes the answer: wait for that (bounded).</summary>
        private async Task WaitAllReturnedAsync(CancellationToken stoppingToken)
        {
            for (var i = 0; i < 500 && pool.Free != pool.Created; i++)
                await Task.Delay(10, stoppingToken);
        }
    }

    /// <summary>Answers at once, or after <see cref="Delay"/>, or throws while <see cref="Fail"/> is set.</summary>
    internal sealed class SwitchableAnalyzer : IFrameAnalyzer
    {
        private static readonly float[] Features = [1f, 0f];

        public volatile bool Fail;

        public TimeSpan Delay { get; set; }

        public string ModelName => "switchable-test/int8";

        public Task LoadAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async ValueTask<AnalysisResult> AnalyzeAsync(FrameBuffer frame, VisionTask task, int maxNewTokens, CancellationToken cancellationToken)
        {
            await EncodeImageAsync(frame, cancellationToken);
            return await AnalyzeEncodedAsync(task, maxNewTokens, cancellationToken);
        }

        public ValueTask<ReadOnlyMemory<float>> EncodeImageAsync(FrameBuffer frame, CancellationToken cancellationToken)
        {
            Assert.False(frame.IsEmpty);
            return ValueTask.FromResult<ReadOnlyMemory<float>>(Features);
        }

        public async ValueTask<AnalysisResult> AnalyzeEncodedAsync(VisionTask task, int maxNewTokens, CancellationToken cancellationToken)
        {
            if (Fail)
                throw new InvalidOperationException("the model failed");
            if (Delay > TimeSpan.Zero)
                await Task.Delay(Delay, cancellationToken);
            return new AnalysisResult(task, "a door", [], [], new StageTimings(1, 2, 3, 4, 10, 1));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
