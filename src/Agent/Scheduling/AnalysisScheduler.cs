using System.Diagnostics;
using System.Threading.Channels;
using EdgePali.Agent.Control;
using EdgePali.Agent.Devices;
using EdgePali.Agent.Gating;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Scheduling;

/// <summary>
/// The Infer stage: one loop in front of the one shared model. Questions (ask) and tasks run by name go first; then cameras take
/// turns round-robin, one frame per turn, so a busy camera cannot starve a quiet one. A turn runs every task due on the
/// camera's newest frame the gate let through, one after the other on that frame, sharing one vision encode (the
/// encoder costs as much as a short answer, so a frame with a caption and a detect task pays for it once). A frame
/// that has grown older than MaxFrameAgeSeconds while waiting is dropped. With the feature-similarity gate on, a task
/// whose frame is nearly identical to the one it last analysed reuses that result instead of running the language model (<see cref="SimilarityGate"/>).
/// </summary>
internal sealed class AnalysisScheduler(
    CameraRegistry cameras,
    ModelHost model,
    ResultChannel results,
    Signal signal,
    ThermalThrottle throttle,
    PipelineHealth health,
    StageLatencies latencies,
    SnapshotRenderer snapshots,
    TimeProvider time,
    ILogger<AnalysisScheduler> logger) : BackgroundService
{
    private static readonly TimeSpan IdleCheck = TimeSpan.FromMilliseconds(500);
    private readonly Channel<AskRequest> _asks = Channel.CreateBounded<AskRequest>(new BoundedChannelOptions(AskRequest.QueueCapacity) { SingleReader = true });
    private readonly FrameBuffer _work = new();
    private readonly List<ScheduledTask> _workTasks = [];
    private int _nextCamera;

    /// <summary>Queues a question; false when the queue is full.</summary>
    public bool TryEnqueue(AskRequest request)
    {
        if (!_asks.Writer.TryWrite(request))
            return false;
        signal.Set();
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LoopHeartbeat? heartbeat = null;
        try
        {
            var analyzer = await model.WaitLoadedAsync(stoppingToken).ConfigureAwait(false);
            // Watched from here: loading the model is not a loop (it has its own log and systemd STATUS).
            heartbeat = health.WatchLoop("analysis scheduler loop", excusedWhileAnalysing: true);
            while (!stoppingToken.IsCancellationRequested)
            {
                heartbeat.Beat();
                await WaitWhilePausedAsync(heartbeat, stoppingToken).ConfigureAwait(false);
                if (_asks.Reader.TryRead(out var ask))
                {
                    try
                    {
                        await AnswerAsync(analyzer, ask, stoppingToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        // Done with the frame whatever the outcome (the snapshot is rendered by now): back to its pool.
                        ask.ReleaseFrame();
                    }

                    continue;
                }

                var camera = TakeNextWork();
                if (camera is null)
                {
                    await signal.WaitAsync(IdleCheck, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await AnalyzeFrameAsync(analyzer, camera, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the analysis in flight was cancelled; nothing half-done is published.
        }
        finally
        {
            heartbeat?.Stop();
            results.Writer.TryComplete();
            while (_asks.Reader.TryRead(out var left))
            {
                left.ReleaseFrame();
                left.Answer.TrySetException(new CameraControlException("The worker is shutting down; ask again when it is back."));
            }
        }
    }

    /// <summary>Waits while the thermal throttle pauses analyses, beating every IdleCheck: a hot board is not a hung loop.</summary>
    private async Task WaitWhilePausedAsync(LoopHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var slice = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            slice.CancelAfter(IdleCheck);
            try
            {
                await throttle.WaitWhilePausedAsync(slice.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                heartbeat.Beat();
            }
        }
    }

    /// <summary>The next camera in turn with work: its frame is in _work, its due tasks in _workTasks.</summary>
    private CameraRuntime? TakeNextWork()
    {
        var list = cameras.Cameras;
        var now = time.GetUtcNow();
        for (var i = 0; i < list.Count; i++)
        {
            var camera = list[(_nextCamera + i) % list.Count];
            if (camera.TryTakeWork(_work, now, _workTasks))
            {
                _nextCamera = (_nextCamera + i + 1) % list.Count;
                return camera;
            }
        }

        return null;
    }

    /// <summary>Encodes the frame once, then runs each due task's language model on it.</summary>
    private async Task AnalyzeFrameAsync(IFrameAnalyzer analyzer, CameraRuntime camera, CancellationToken cancellationToken)
    {
        latencies.Record("wait", (time.GetUtcNow() - _work.Timestamp).TotalMilliseconds);
        ReadOnlyMemory<float> features;
        var started = Stopwatch.GetTimestamp();
        health.AnalysisStarted();
        try
        {
            features = await analyzer.EncodeImageAsync(_work, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failed encode fails the frame's analyses: counted (the watchdog stops a worker whose model fails on
            // every frame) and skipped; the tasks stay on their schedule.
            camera.Counters.RecordFailedAnalysis();
            Failed(e, $"Camera {camera.Name}, tasks {string.Join(", ", _workTasks.Select(t => t.Name))} (vision encoder)");
            return;
        }
        finally
        {
            health.AnalysisEnded();
        }

        latencies.Record("encode", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        for (var i = 0; i < _workTasks.Count; i++)
        {
            await AnalyzeAsync(analyzer, camera, _workTasks[i], features, firstOnFrame: i == 0, cancellationToken).ConfigureAwait(false);
            var pause = throttle.DelayAfterAnalysis;
            if (pause > TimeSpan.Zero)
                await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AnalyzeAsync(IFrameAnalyzer analyzer, CameraRuntime camera, ScheduledTask task, ReadOnlyMemory<float> features, bool firstOnFrame, CancellationToken cancellationToken)
    {
        health.AnalysisStarted();
        try
        {
            var reused = true;
            if (!SimilarityGate.TryReuse(camera, task, features.Span, out var result))
            {
                reused = false;
                result = await analyzer.AnalyzeEncodedAsync(task.Vision, task.MaxNewTokens, cancellationToken).ConfigureAwait(false);
                SimilarityGate.Remember(camera, task, features.Span, result);
            }

            if (!reused)
                RecordTimings(result.Timings, firstOnFrame);
            health.AnalysisSucceeded();
            camera.Counters.RecordAnalysis();
            var snapshot = snapshots.Render(_work, result);
            await results.Writer.WriteAsync(
                new AnalysisOutcome(camera.Name, task.Name, _work.Timestamp, _work.Width, _work.Height, analyzer.ModelName, result, snapshot, reused),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failed analysis is reported and skipped; the task stays on its schedule.
            camera.Counters.RecordFailedAnalysis();
            Failed(e, $"Camera {camera.Name}, task {task.Name}");
        }
        finally
        {
            health.AnalysisEnded();
        }
    }

    private async Task AnswerAsync(IFrameAnalyzer analyzer, AskRequest ask, CancellationToken stoppingToken)
    {
        if (ask.CancellationToken.IsCancellationRequested)
        {
            ask.Answer.TrySetCanceled(ask.CancellationToken);
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, ask.CancellationToken);
        health.AnalysisStarted();
        try
        {
            var result = ask.OnText is { } onText
                ? await analyzer.AnalyzeStreamingAsync(ask.Frame, ask.Task, ask.MaxNewTokens, onText, linked.Token).ConfigureAwait(false)
                : await analyzer.AnalyzeAsync(ask.Frame, ask.Task, ask.MaxNewTokens, linked.Token).ConfigureAwait(false);
            RecordTimings(result.Timings, encoded: true);
            health.AnalysisSucceeded();
            if (ask.TaskName is { } taskName && cameras.Find(ask.Camera) is { } camera)
            {
                // A task run by name: published as any result of that task; the caller waits for its number.
                camera.Counters.RecordAnalysis();
                var snapshot = snapshots.Render(ask.Frame, result);
                await results.Writer.WriteAsync(
                    new AnalysisOutcome(camera.Name, taskName, ask.Frame.Timestamp, ask.Frame.Width, ask.Frame.Height, analyzer.ModelName, result, snapshot, false, ask.Published),
                    stoppingToken).ConfigureAwait(false);
            }

            ask.Answer.TrySetResult(new AskAnswer(result, ask.Frame.Timestamp, ask.Frame.Width, ask.Frame.Height, analyzer.ModelName));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            ask.Answer.TrySetException(new CameraControlException("The worker is shutting down; ask again when it is back."));
            throw;
        }
        catch (OperationCanceledException)
        {
            ask.Answer.TrySetCanceled(ask.CancellationToken);
        }
        catch (Exception e)
        {
            Failed(e, $"Camera {ask.Camera}, question '{ask.Task.Prefix}'");
            ask.Answer.TrySetException(new CameraControlException($"The analysis failed: {e.Message}", e));
        }
        finally
        {
            health.AnalysisEnded();
        }
    }

    /// <summary>
    /// Counts a failed analysis for the health check and logs it: the first of a run with its stack trace, the
    /// ones after it as one line each, so a model that fails on every frame does not bury the log in traces.
    /// </summary>
    private void Failed(Exception e, string what)
    {
        var inARow = health.AnalysisFailed(e.GetBaseException().Message);
        // A missing native library is a deployment problem, not a bug: its message (the library's name and the
        // loader's error) says it all, and a stack trace would only bury it.
        var missingLibrary = e.GetBaseException() is DllNotFoundException;
        if (inARow == 1 && !missingLibrary)
            logger.LogError(e, "{What}: analysis failed: {Message}", what, e.Message);
        else if (missingLibrary)
            logger.LogError("{What}: analysis failed ({FailedInARow} in a row), a native library is missing: {Message}", what, inARow, e.GetBaseException().Message);
        else
            logger.LogError("{What}: analysis failed ({FailedInARow} in a row): {Message}", what, inARow, e.Message);
    }

    /// <param name="encoded">Whether this analysis ran the vision encoder; tasks sharing a frame's encode report its
    /// preprocess and vision times again, which would count them twice.</param>
    private void RecordTimings(StageTimings timings, bool encoded)
    {
        if (encoded)
        {
            latencies.Record("preprocess", timings.PreprocessMs);
            latencies.Record("vision", timings.VisionMs);
        }

        latencies.Record("prefill", timings.PrefillMs);
        latencies.Record("decode", timings.DecodeMs);
        latencies.Record("total", timings.TotalMs);
    }
}
