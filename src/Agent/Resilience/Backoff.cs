namespace EdgePali.Agent.Resilience;

/// <summary>Capped exponential backoff between reconnect attempts: initial, 2x, 4x, ... up to the cap; reset after a good session.</summary>
public sealed class CaptureBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private TimeSpan _next;

    public CaptureBackoff(TimeSpan initial, TimeSpan max)
    {
        (_initial, _max, _next) = (initial, max, initial);
    }

    /// <summary>The wait before the next attempt; each call doubles the following one up to the cap.</summary>
    public TimeSpan Next()
    {
        var current = _next;
        _next = TimeSpan.FromTicks(Math.Min(_max.Ticks, _next.Ticks * 2));
        return current;
    }

    public void Reset() => _next = _initial;
}
