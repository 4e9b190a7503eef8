namespace EdgePali.Agent.Pipeline;

/// <summary>
/// The Capture -> Gate hand-over of one camera: a channel of capacity one that keeps the newest frame.
/// Publishing swaps buffers (no copy); a frame replaced before the gate took it is dropped and counted,
/// so a slow consumer always sees the latest frame, never a backlog.
/// </summary>
public sealed class LatestFrameSlot : IDisposable
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private FrameBuffer _latest = new();
    private bool _fresh;
    private long _dropped;

    /// <summary>Frames replaced before anyone took them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>True while a frame waits to be taken (the queue depth, 0 or 1).</summary>
    public bool HasFresh
    {
        get
        {
            lock (_lock)
                return _fresh;
        }
    }

    /// <summary>Makes <paramref name="written"/> the latest frame and hands the caller the old buffer to write the next one into.</summary>
    public void Publish(ref FrameBuffer written)
    {
        lock (_lock)
        {
            if (_fresh)
                Interlocked.Increment(ref _dropped);
            (_latest, written) = (written, _latest);
            _fresh = true;
            if (_signal.CurrentCount == 0)
                _signal.Release();
        }
    }

    /// <summary>Waits for a frame not taken yet and copies it into <paramref name="target"/>.</summary>
    public async ValueTask TakeAsync(FrameBuffer target, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_lock)
            {
                if (_fresh)
                {
                    _latest.CopyTo(target);
                    _fresh = false;
                    return;
                }
            }

            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _signal.Dispose();

    /// <summary>Copies the newest frame, taken or not, into <paramref name="target"/>; false before the first frame.</summary>
    public bool TryCopyLatest(FrameBuffer target)
    {
        lock (_lock)
        {
            if (_latest.IsEmpty)
                return false;
            _latest.CopyTo(target);
            return true;
        }
    }
}
