namespace EdgePali.Vision.Packages;

/// <summary>
/// A model package cannot be served: a file is missing, corrupt, or does not match the configuration.
/// The message names the file and says what to do; it is meant to be shown to the operator as is.
/// </summary>
public sealed class ModelPackageException : Exception
{
    public ModelPackageException(string message)
        : base(message)
    {
    }

    public ModelPackageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelPackageException()
    {
    }
}
