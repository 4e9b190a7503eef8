namespace EdgePali.Quantize.Checkpoints;

/// <summary>A checkpoint that cannot be used as it is: the message names the file or tensor and what to do.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException()
    {
    }

    public CheckpointException(string message)
        : base(message)
    {
    }

    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
