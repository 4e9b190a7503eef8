using System.Diagnostics;
using System.Threading.Channels;
using EdgePali.Agent.Capture;
using EdgePali.Agent.Control;
using EdgePali.Agent.Devices;
using EdgePali.Agent.Gating;
using EdgePali.Agent.Health;
using EdgePali.Agent.Publishing;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Scheduling;

/// <summary>
/// The Infer stage: one loop in front of the one shared model. Questions (ask) and tasks run by name go first; then cameras take
/// turns round-robin, one task per turn, so a busy camera cannot starve a quiet one. Each analysis runs
/// on the newest frame the gate let through; one that has grown older than MaxFrameAgeSeconds while
/// waiting is dropped. With the feature-similarity gate on, the vision encoder runs first and a frame
/// nearly identical to the last analysed one reuses that result instead of running the language model.
/// </summary>
internal sealed class AnalysisScheduler(
    CameraRegistry cameras,
    ModelHost model,
    ResultChannel results,
    WorkSignal signal,
    ThermalThrottle throttle,
    PipelineHealth health,
    StageLatencies latencies,
    SnapshotRenderer snapshots,
    TimeProvider time,
    ILogger<AnalysisScheduler> logger) : BackgroundService
{
    public const int AskQueueCapacity = 4;

    private static readonly TimeSpan IdleCheck = TimeSpan.FromMilliseconds(500);
    private readonly Channel<AskRequest> _asks = Channel.CreateBounded<AskRequest>(new BoundedChannelOptions(AskQueueCapacity) { SingleReader = true });
    private readonly FrameBuffer _work = new();
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
        try
        {
            var analyzer = await model.WaitLoadedAsync(stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                await throttle.WaitWhilePausedAsync(stoppingToken).ConfigureAwait(false);
                if (_asks.Reader.TryRead(out var ask))
                {
                    await AnswerAsync(analyzer, ask, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                var work = TakeNextWork();
                if (work is null)
                {
                    await signal.WaitAsync(IdleCheck, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await AnalyzeAsync(analyzer, work.Value.Camera, work.Value.Task, stoppingToken).ConfigureAwait(false);
                var pause = throttle.DelayAfterAnalysis;
                if (pause > TimeSpan.Zero)
                    await Task.Delay(pause, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the analysis in flight was cancelled; nothing half-done is published.
        }
        finally
        {
            results.Writer.TryComplete();
            while (_asks.Reader.TryRead(out var left))
                left.Answer.TrySetException(new CameraControlException("The worker is shutting down; ask again when it is back."));
        }
    }

    private (CameraRuntime Camera, ScheduledTask Task)? TakeNextWork()
    {
        var list = cameras.Cameras;
        var now = time.GetUtcNow();
        for (var i = 0; i < list.Count; i++)
        {
            var camera = list[(_nextCamera + i) % list.Count];
            if (camera.TryTakeWork(_work, now) is { } task)
            {
                _nextCamera = (_nextCamera + i + 1) % list.Count;
                return (camera, task);
            }
        }

        return null;
    }

    private async Task AnalyzeAsync(IFrameAnalyzer analyzer, CameraRuntime camera, ScheduledTask task, CancellationToken cancellationToken)
    {
        latencies.Record("wait", (time.GetUtcNow() - _work.Timestamp).TotalMilliseconds);
        health.AnalysisStarted();
        try
        {
            AnalysisResult result;
            var reused = false;
            if (camera.Options.SimilarityThreshold > 0)
            {
                var started = Stopwatch.GetTimestamp();
                var features = await analyzer.EncodeImageAsync(_work, cancellationToken).ConfigureAwait(false);
                latencies.Record("similarity", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (camera.TryGetLastAnalysed(task.Name, out var last)
                    && last.Result.Task == task.Vision
                    && FeatureSimilarity.Cosine(features.Span, last.Features) >= camera.Options.SimilarityThreshold)
                {
                    result = last.Result;
                    reused = true;
                }
                else
                {
                    result = await analyzer.AnalyzeAsync(_work, task.Vision, task.MaxNewTokens, cancellationToken).ConfigureAwait(false);
                    // The analyser reuses its feature buffer: keep a copy, in the previous copy's array when it fits.
                    var kept = last.Features is { } previous && previous.Length == features.Length ? previous : new float[features.Length];
                    features.Span.CopyTo(kept);
                    camera.SetLastAnalysed(task.Name, kept, result);
                }
            }
            else
            {
                result = await analyzer.AnalyzeAsync(_work, task.Vision, task.MaxNewTokens, cancellationToken).ConfigureAwait(false);
            }

            if (!reused)
                RecordTimings(result.Timings);
            health.AnalysisSucceeded();
            camera.RecordAnalysis();
            var snapshot = snapshots.Render(_work, result);
            await results.Writer.WriteAsync(
                new AnalysisOutcome(camera.Name, task.Name, _work.Timestamp, _work.Width, _work.Height, analyzer.ModelName, result, snapshot, reused),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failed analysis is reported and skipped; the task stays on its schedule.
            camera.RecordFailedAnalysis();
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
            var result = await analyzer.AnalyzeAsync(ask.Frame, ask.Task, ask.MaxNewTokens, linked.Token).ConfigureAwait(false);
            RecordTimings(result.Timings);
            health.AnalysisSucceeded();
            if (ask.TaskName is { } taskName && cameras.Find(ask.Camera) is { } camera)
            {
                // A task run by name: published as any result of that task; the caller waits for its number.
                camera.RecordAnalysis();
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

    private void RecordTimings(StageTimings timings)
    {
        latencies.Record("preprocess", timings.PreprocessMs);
        latencies.Record("vision", timings.VisionMs);
        latencies.Record("prefill", timings.PrefillMs);
        latencies.Record("decode", timings.DecodeMs);
        latencies.Record("total", timings.TotalMs);
    }
}
