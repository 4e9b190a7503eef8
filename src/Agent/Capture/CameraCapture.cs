using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Resilience;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Capture;

/// <summary>
/// Keeps one camera connected for the life of the worker: opens a session, watches it for stalls, and
/// after an error, an end or a stall reconnects with capped exponential backoff. Never throws: a camera
/// fault changes the camera's state and the logs, not the process. Beats its <see cref="LoopHeartbeat"/> each time
/// round, also while it waits to retry, so the watchdog sees a camera that is gone as alive and retrying; but not while
/// a session it gave up on is still stuck in a native call, so a driver hung for good still gets the worker restarted.
/// </summary>
internal sealed class CameraCapture(CameraRuntime camera, IFrameSourceFactory factory, LoopHeartbeat heartbeat, TimeProvider time, ILogger logger)
{
    // Sessions abandoned while blocked in the source: their thread returns (and disposes the source) when the call does.
    private readonly List<CaptureSession> _abandoned = [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CaptureAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            heartbeat.Stop();
        }
    }

    private async Task CaptureAsync(CancellationToken cancellationToken)
    {
        var options = camera.Options;
        var backoff = new Backoff(TimeSpan.FromSeconds(options.ReconnectInitialSeconds), TimeSpan.FromSeconds(options.ReconnectMaxSeconds));
        var stallTimeout = TimeSpan.FromSeconds(options.StallTimeoutSeconds);
        var poll = TimeSpan.FromMilliseconds(Math.Clamp(stallTimeout.TotalMilliseconds / 4, 20, 1000));
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            Beat();
            if (first)
                camera.State = CameraState.Connecting;
            first = false;
            CaptureSession? session = null;
            string reason;
            var failed = true;
            try
            {
                var source = factory.Create(options);
                session = new CaptureSession(source, options, camera.Slot, OnFrame, time);
                session.Start();
                while (true)
                {
                    var ended = await Task.WhenAny(session.Ended, Task.Delay(poll, time, cancellationToken)).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                    Beat();
                    if (ended == session.Ended)
                    {
                        var end = await session.Ended.ConfigureAwait(false);
                        (failed, reason) = (end.Failed, end.Reason);
                        break;
                    }

                    if (session.SinceProgress > stallTimeout)
                    {
                        Abandon(session);
                        reason = $"no frame for {stallTimeout.TotalSeconds:0.#} s (stalled)";
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                session?.Abandon();
                break;
            }
            catch (CameraSourceException e)
            {
                reason = e.Message;
            }

            // A stream that worked and was lost is being reconnected; a camera that could not be brought up at all
            // (unplugged, file gone, host down) is offline until an attempt delivers a frame.
            var delivered = session is { Frames: > 0 };
            if (delivered)
                backoff.Reset();
            camera.LastError = failed ? reason : null;
            camera.State = delivered ? CameraState.Reconnecting : CameraState.Offline;
            camera.Counters.RecordReconnect();
            var wait = backoff.Next();
            if (failed)
                logger.LogWarning("Camera {Camera}: {Reason}; reconnecting in {Seconds:0.#} s", camera.Name, reason, wait.TotalSeconds);
            else
                logger.LogInformation("Camera {Camera}: {Reason}; reconnecting in {Seconds:0.#} s", camera.Name, reason, wait.TotalSeconds);
            try
            {
                await WaitBeatingAsync(wait, poll, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            // The state stays as it is during the next attempt: an offline camera being retried is still offline
            // (flipping it each attempt would flap on MQTT every few seconds); a frame makes it streaming.
        }

        camera.State = CameraState.Stopped;
    }

    /// <summary>The backoff wait, in slices, beating between them: a long backoff is not a hung loop.</summary>
    private async Task WaitBeatingAsync(TimeSpan wait, TimeSpan slice, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + wait;
        for (var left = wait; left > TimeSpan.Zero; left = until - time.GetUtcNow())
        {
            Beat();
            await Task.Delay(left < slice ? left : slice, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Abandon(CaptureSession session)
    {
        session.Abandon();
        if (!session.Returned)
            _abandoned.Add(session);
    }

    private void Beat()
    {
        _abandoned.RemoveAll(s => s.Returned);
        if (_abandoned.Count == 0)
            heartbeat.Beat();
    }

    private void OnFrame(DateTimeOffset timestamp)
    {
        if (camera.State != CameraState.Streaming)
        {
            camera.State = CameraState.Streaming;
            camera.LastError = null;
            logger.LogInformation("Camera {Camera}: streaming from {Source}", camera.Name, camera.Source.Redacted);
        }

        camera.Counters.RecordFrame(timestamp);
    }
}
