namespace EdgePali.Agent.Capture;

/// <summary>A camera source cannot be opened or read; the message says which source and why.</summary>
public sealed class CameraSourceException : Exception
{
    public CameraSourceException(string message)
        : base(message)
    {
    }

    public CameraSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CameraSourceException()
    {
    }
}
