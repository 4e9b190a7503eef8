namespace EdgePali.Quantize;

/// <summary>An input model or option cannot be quantised; the message names the problem and what to do.</summary>
public sealed class QuantizeException : Exception
{
    public QuantizeException()
    {
    }

    public QuantizeException(string message)
        : base(message)
    {
    }

    public QuantizeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
