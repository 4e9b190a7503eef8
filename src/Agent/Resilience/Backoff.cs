namespace EdgePali.Agent.Resilience;

/// <summary>
/// Capped exponential backoff between reconnect attempts: initial, 2x, 4x, ... up to the cap. Capture waits the plain
/// steps (one camera, nobody to collide with); the MQTT client takes them with jitter, see <see cref="WithJitter"/>.
/// </summary>
public sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private int _failedAttempts;

    public Backoff(TimeSpan initial, TimeSpan max)
    {
        (_initial, _max) = (initial, max);
    }

    /// <summary>The wait before the next attempt; each call doubles the following one up to the cap.</summary>
    public TimeSpan Next() => Step(++_failedAttempts, _initial, _max);

    /// <summary>After a good session the next failure waits the initial step again.</summary>
    public void Reset() => _failedAttempts = 0;

    /// <summary>
    /// The wait before attempt <paramref name="failedAttempts"/> + 1 (failedAttempts >= 1) with "equal jitter": half
    /// the step fixed, half random, so many agents reconnecting after a broker restart spread out instead of arriving together.
    /// </summary>
    public static TimeSpan WithJitter(int failedAttempts, TimeSpan minimum, TimeSpan maximum, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        var step = Step(failedAttempts, minimum, maximum).TotalMilliseconds;
        return TimeSpan.FromMilliseconds((step / 2) + (random.NextDouble() * step / 2));
    }

    /// <summary>minimum * 2^(failedAttempts - 1), capped at <paramref name="maximum"/> (the exponent is capped too, so it cannot overflow).</summary>
    private static TimeSpan Step(int failedAttempts, TimeSpan minimum, TimeSpan maximum) =>
        TimeSpan.FromTicks((long)Math.Min(maximum.Ticks, minimum.Ticks * Math.Pow(2, Math.Min(failedAttempts - 1, 30))));
}
