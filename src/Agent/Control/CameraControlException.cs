namespace EdgePali.Agent.Control;

/// <summary>
/// A command cannot be carried out for a reason the sender should read (unknown camera, no frame yet, model
/// not loaded). The message is sent back to the sender as is, so it says what is wrong and what to do.
/// </summary>
public sealed class CameraControlException : Exception
{
    public CameraControlException(string message)
        : base(message)
    {
    }

    public CameraControlException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CameraControlException()
    {
    }
}
