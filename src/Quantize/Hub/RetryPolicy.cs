namespace EdgePali.Quantize.Hub;

/// <summary>
/// How a pull retries transient failures: exponential backoff from <paramref name="BaseDelay"/> doubling up to
/// <paramref name="MaxDelay"/>, at most <paramref name="MaxAttempts"/> consecutive failures without progress
/// (a download that keeps moving forward between drops is never given up on).
/// </summary>
internal sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static RetryPolicy Default { get; } = new(6, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    /// <summary>The wait before retry number <paramref name="failures"/> (1-based), honouring a server's Retry-After.</summary>
    public TimeSpan DelayFor(int failures, TimeSpan? retryAfter)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var backoff = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * (1L << Math.Min(exponent, 20))));
        // A server's Retry-After is obeyed, but capped so that a bogus value cannot park the pull for hours.
        return retryAfter is { } asked && asked > backoff ? TimeSpan.FromTicks(Math.Min(asked.Ticks, 4 * MaxDelay.Ticks)) : backoff;
    }

    /// <summary>
    /// True for failures that a later attempt may not see: network errors, early end of a response body, stalls,
    /// 5xx/429 answers. Local disk errors never reach here as IOException: the downloader wraps them first.
    /// </summary>
    public static bool IsTransient(Exception exception) =>
        exception is HubTransientException or HttpRequestException or IOException or TimeoutException;
}
