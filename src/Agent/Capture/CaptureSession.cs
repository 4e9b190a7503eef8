
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;

namespace EdgePali.Agent.Capture;

/// <summary>
/// One connection to a camera, driven by its own thread because native capture calls block: open, then
/// grab at the source's pace and retrieve the frames the fps cap lets through into the latest-frame slot.
/// Records progress so the owner can detect a stall; an abandoned session disposes its source as soon as
/// the blocked call returns.
/// </summary>
internal sealed class CaptureSession
{
    private readonly IFrameSource _source;
    private readonly CameraOptions _camera;
    private readonly LatestFrameSlot _slot;
    private readonly Action<DateTimeOffset> _onFrame;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource<CaptureSessionEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _abandoned;
    private volatile bool _returned;
    private long _lastProgressTicks;
    private long _frames;

    public CaptureSession(IFrameSource source, CameraOptions camera, LatestFrameSlot slot, Action<DateTimeOffset> onFrame, TimeProvider time)
    {
        _source = source;
        _camera = camera;
        _slot = slot;
        _onFrame = onFrame;
        _time = time;
        _lastProgressTicks = time.GetTimestamp();
    }

    /// <summary>Completes when the session ends on its own: the source ended or failed.</summary>
    public Task<CaptureSessionEnd> Ended => _ended.Task;

    /// <summary>True once the session's thread is done: no call into the source is in progress any more.</summary>
    public bool Returned => _returned;

    /// <summary>Frames delivered to the slot by this session.</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Time since the source last returned from a call (opened, grabbed).</summary>
    public TimeSpan SinceProgress => _time.GetElapsedTime(Interlocked.Read(ref _lastProgressTicks));

    public void Start()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = $"capture {_camera.Name}" };
        thread.Start();
    }

    /// <summary>Stops the session at the next return from the source; the source is disposed then.</summary>
    public void Abandon() => _abandoned = true;

    private void Run()
    {
        var frame = new FrameBuffer();
        var period = _camera.Fps > 0 ? TimeSpan.FromSeconds(1 / _camera.Fps) : TimeSpan.Zero;
        var nextDue = _time.GetTimestamp();
        try
        {
            _source.Open();
            Progress();
            while (!_abandoned)
            {
                if (!_source.IsLive)
                {
                    // On-demand sources are paced here; live ones are grabbed at their own rate below.
                    var wait = _time.GetElapsedTime(_time.GetTimestamp(), nextDue);
                    if (wait > TimeSpan.Zero)
                        Thread.Sleep(wait);
                }

                if (!_source.Grab())
                {
                    _ended.TrySetResult(new CaptureSessionEnd(false, "the source ended"));
                    return;
                }

                Progress();
                if (_abandoned)
                    break;
                if (_source.IsLive && _time.GetTimestamp() < nextDue)
                    continue;
                _source.Retrieve(frame);
                var now = _time.GetUtcNow();
                frame.Timestamp = now;
                frame.Number = Interlocked.Increment(ref _frames);
                _slot.Publish(ref frame);
                _onFrame(now);
                nextDue = NextDue(nextDue, period);
            }

            _ended.TrySetResult(new CaptureSessionEnd(false, "stopped"));
        }
        catch (CameraSourceException e)
        {
            _ended.TrySetResult(new CaptureSessionEnd(true, e.Message));
        }
#pragma warning disable CA1031 // A capture thread must never take the process down: any failure ends the session and is reported.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _ended.TrySetResult(new CaptureSessionEnd(true, $"{e.GetType().Name}: {e.Message}"));
        }
        finally
        {
            _source.Dispose();
            _returned = true;
        }
    }

    private long NextDue(long previousDue, TimeSpan period)
    {
        var now = _time.GetTimestamp();
        var next = previousDue + (long)(period.TotalSeconds * _time.TimestampFrequency);
        // Never try to catch up on missed frames: the next one is due one period from now at the latest.
        return Math.Max(next, now);
    }

    private void Progress() => Interlocked.Exchange(ref _lastProgressTicks, _time.GetTimestamp());
}

/// <summary>How a capture session ended.</summary>
/// <param name="Failed">True for an error (cannot open, read failed), false when the source ended or was stopped.</param>
/// <param name="Reason">What happened, for logs and stats.</param>
internal sealed record CaptureSessionEnd(bool Failed, string Reason);
