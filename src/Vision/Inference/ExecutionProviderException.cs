namespace EdgePali.Vision.Inference;

/// <summary>No execution provider the configuration allows can run a part of the model.</summary>
public sealed class ExecutionProviderException : Exception
{
    public ExecutionProviderException(string message)
        : base(message)
    {
    }

    public ExecutionProviderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ExecutionProviderException()
    {
    }
}
