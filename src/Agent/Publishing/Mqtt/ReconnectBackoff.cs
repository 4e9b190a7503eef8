namespace EdgePali.Agent.Publishing.Mqtt;

/// <summary>Capped exponential backoff with "equal jitter": half the step fixed, half random, so many agents
/// reconnecting after a broker restart spread out instead of arriving together.</summary>
public static class ReconnectBackoff
{
    /// <summary>The wait before attempt <paramref name="failedAttempts"/> + 1 (failedAttempts >= 1).</summary>
    public static TimeSpan Delay(int failedAttempts, TimeSpan minimum, TimeSpan maximum, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        var step = Math.Min(maximum.TotalMilliseconds, minimum.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempts - 1, 30)));
        return TimeSpan.FromMilliseconds((step / 2) + (random.NextDouble() * step / 2));
    }
}
