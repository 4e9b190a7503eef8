namespace EdgePali.Vision.Inference;

/// <summary>No execution provider the configuration allows can run a part of the model.</summary>
public sealed class ExecutionProviderException : Exception
{
    /// <summary>An error whose <paramref name="message"/> names the problem and what to do.</summary>
    public ExecutionProviderException(string message)
        : base(message)
    {
    }

    /// <summary>An error whose <paramref name="message"/> names the problem and what to do, caused by <paramref name="innerException"/>.</summary>
    public ExecutionProviderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>An error without a message; prefer the constructors that say what went wrong.</summary>
    public ExecutionProviderException()
    {
    }
}
