namespace EdgePali.Quantize.Hub;

/// <summary>
/// A pull failure with a message written for the user: what went wrong and what to do. Messages never contain
/// the token (it is only ever placed in an Authorization header).
/// </summary>
internal sealed class HubException : Exception
{
    public HubException(HubErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException) => Kind = kind;

    public HubErrorKind Kind { get; }
}
