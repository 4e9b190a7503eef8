using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Resilience;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Capture;

/// <summary>
/// Keeps one camera connected for the life of the worker: opens a session, watches it for stalls, and
/// after an error, an end or a stall reconnects with capped exponential backoff. Never throws: a camera
/// fault changes the camera's state and the logs, not the process.
/// </summary>
internal sealed class CameraCapture(CameraRuntime camera, IFrameSourceFactory factory, TimeProvider time, ILogger logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = camera.Options;
        var backoff = new Backoff(TimeSpan.FromSeconds(options.ReconnectInitialSeconds), TimeSpan.FromSeconds(options.ReconnectMaxSeconds));
        var stallTimeout = TimeSpan.FromSeconds(options.StallTimeoutSeconds);
        var poll = TimeSpan.FromMilliseconds(Math.Clamp(stallTimeout.TotalMilliseconds / 4, 20, 1000));
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            camera.State = first ? CameraState.Connecting : CameraState.Reconnecting;
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
                    if (ended == session.Ended)
                    {
                        var end = await session.Ended.ConfigureAwait(false);
                        (failed, reason) = (end.Failed, end.Reason);
                        break;
                    }

                    if (session.SinceProgress > stallTimeout)
                    {
                        session.Abandon();
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

            if (session is { Frames: > 0 })
                backoff.Reset();
            camera.LastError = failed ? reason : null;
            camera.State = CameraState.Reconnecting;
            camera.Counters.RecordReconnect();
            var wait = backoff.Next();
            if (failed)
                logger.LogWarning("Camera {Camera}: {Reason}; reconnecting in {Seconds:0.#} s", camera.Name, reason, wait.TotalSeconds);
            else
                logger.LogInformation("Camera {Camera}: {Reason}; reconnecting in {Seconds:0.#} s", camera.Name, reason, wait.TotalSeconds);
            try
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        camera.State = CameraState.Stopped;
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
