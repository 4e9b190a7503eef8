namespace EdgePali.Quantize.Hub;

/// <summary>
/// A failure worth retrying: a 5xx, 429 or 408 answer, a connection that ended early, or a stalled transfer.
/// The retry loops turn it into a <see cref="HubException"/> of kind <see cref="HubErrorKind.Unavailable"/>
/// once the retries are spent.
/// </summary>
internal sealed class HubTransientException : Exception
{
    public HubTransientException(string message, TimeSpan? retryAfter = null, Exception? innerException = null, bool restartFile = false)
        : base(message, innerException)
    {
        RetryAfter = retryAfter;
        RestartFile = restartFile;
    }

    /// <summary>The wait the server asked for (Retry-After), if any.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The bytes already on disk cannot be resumed from (the server refused the Range): start the file over.</summary>
    public bool RestartFile { get; }
}
