
using EdgePali.Agent.Options;

namespace EdgePali.Agent.Devices;

/// <summary>
/// Thermal throttling with hysteresis: above SlowAboveCelsius analysis slows, above PauseAboveCelsius it
/// pauses; a paused worker steps back to slow below SlowAboveCelsius, and returns to full speed only below
/// ResumeBelowCelsius, so it does not flap around one threshold. Capture continues throughout.
/// </summary>
public sealed class ThermalThrottle(ThermalOptions options)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ThrottleLevel _level;
    private double? _celsius;

    public ThrottleLevel Level
    {
        get
        {
            lock (_lock)
                return _level;
        }
    }

    /// <summary>The last reading, null when there is no sensor.</summary>
    public double? Celsius
    {
        get
        {
            lock (_lock)
                return _celsius;
        }
    }

    /// <summary>The pause after each analysis at the current level.</summary>
    public TimeSpan DelayAfterAnalysis => Level == ThrottleLevel.Slow ? TimeSpan.FromSeconds(options.SlowDelaySeconds) : TimeSpan.Zero;

    /// <summary>Feeds a reading; returns the level after it.</summary>
    public ThrottleLevel Update(double? celsius)
    {
        lock (_lock)
        {
            _celsius = celsius;
            var next = _level;
            if (celsius is { } t)
            {
                if (t > options.PauseAboveCelsius)
                    next = ThrottleLevel.Paused;
                else if (t > options.SlowAboveCelsius)
                    next = _level == ThrottleLevel.Paused ? ThrottleLevel.Paused : ThrottleLevel.Slow;
                else if (t < options.ResumeBelowCelsius)
                    next = ThrottleLevel.None;
                else if (_level == ThrottleLevel.Paused)
                    next = ThrottleLevel.Slow;
            }
            else
            {
                // The sensor went away: never stay paused on a reading we no longer have.
                next = ThrottleLevel.None;
            }

            if (next != _level)
            {
                _level = next;
                _changed.TrySetResult();
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return _level;
        }
    }

    /// <summary>Returns at once unless paused; while paused, waits until the level changes.</summary>
    public async Task WaitWhilePausedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_level != ThrottleLevel.Paused)
                    return;
                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
