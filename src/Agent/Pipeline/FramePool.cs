namespace EdgePali.Agent.Pipeline;

/// <summary>
/// Frame buffers for questions and tasks run by name (<see cref="AskRequest"/>), kept for the next request instead of
/// a new one each time. A 640x480 frame is 0.9 MB, so a new buffer per request lands on the large object heap, which
/// only a gen 2 collection frees: the 30-minute soak (docs/benchmarks.md, "Memory soak") showed that garbage as RSS
/// growth. Holds at most <see cref="Capacity"/> buffers (the ask queue plus the one being answered); more are
/// left to the GC. Thread-safe.
/// </summary>
internal sealed class FramePool
{
    /// <summary>The ask queue's capacity plus the request the scheduler is answering.</summary>
    public const int Capacity = AskRequest.QueueCapacity + 1;

    private readonly Lock _lock = new();
    private readonly Stack<FrameBuffer> _free = new(Capacity);
    private long _created;

    /// <summary>Buffers made so far (a pool that works stops making them once sizes are stable).</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>Buffers waiting to be rented.</summary>
    public int Free
    {
        get
        {
            lock (_lock)
                return _free.Count;
        }
    }

    /// <summary>A free buffer (its size and pixels are the last user's: write it before reading), or a new one.</summary>
    public FrameBuffer Rent()
    {
        lock (_lock)
        {
            if (_free.TryPop(out var frame))
                return frame;
        }

        Interlocked.Increment(ref _created);
        return new FrameBuffer();
    }

    /// <summary>Gives <paramref name="frame"/> back; the caller must not use it afterwards.</summary>
    public void Return(FrameBuffer frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_lock)
        {
            if (_free.Count < Capacity && !_free.Contains(frame))
                _free.Push(frame);
        }
    }
}
