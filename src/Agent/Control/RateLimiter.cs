namespace EdgePali.Agent.Control;

/// <summary>A token bucket per key (camera): <c>perMinute</c> requests in a burst, refilled evenly over a minute.</summary>
public sealed class RateLimiter(int perMinute, TimeProvider time)
{
    private readonly Dictionary<string, (double Tokens, long Stamp)> _buckets = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public int PerMinute => perMinute;

    /// <summary>Takes one token for <paramref name="key"/>; false when the bucket is empty.</summary>
    public bool TryAcquire(string key)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            var (tokens, stamp) = _buckets.TryGetValue(key, out var bucket) ? bucket : (perMinute, now);
            tokens = Math.Min(perMinute, tokens + (time.GetElapsedTime(stamp, now).TotalSeconds * perMinute / 60.0));
            var allowed = tokens >= 1;
            _buckets[key] = (allowed ? tokens - 1 : tokens, now);
            return allowed;
        }
    }
}
