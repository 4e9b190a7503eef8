namespace EdgePali.Agent.Resilience;

/// <summary>
/// The process exit codes, here at the bottom of the Agent so any stage that must stop the process (e.g. the result
/// dispatcher when it cannot persist the sequence number) can set one without depending on Hosting. systemd's
/// <c>Restart=on-failure</c> restarts on every non-zero code; the unit's <c>RestartPreventExitStatus=2</c> keeps an
/// invalid configuration from restarting in a loop.
/// </summary>
public static class ExitCodes
{
    /// <summary>Stopped cleanly (SIGTERM, Ctrl-C or the end of --duration).</summary>
    public const int Ok = 0;

    /// <summary>Start-up or run-time failure: worth a restart.</summary>
    public const int Failure = 1;

    /// <summary>The configuration is invalid: a restart cannot help until someone fixes it.</summary>
    public const int InvalidConfiguration = 2;
}
