namespace EdgePali.Agent.Devices;

/// <summary>How hard thermal throttling holds analysis back.</summary>
public enum ThrottleLevel
{
    /// <summary>Full speed.</summary>
    None,

    /// <summary>A pause after every analysis.</summary>
    Slow,

    /// <summary>No analysis until the CPU has cooled.</summary>
    Paused,
}
