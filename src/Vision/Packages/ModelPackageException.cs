namespace EdgePali.Vision.Packages;

/// <summary>
/// A model package cannot be served: a file is missing, corrupt, or does not match the configuration.
/// The message names the file and says what to do; it is meant to be shown to the operator as is.
/// </summary>
public sealed class ModelPackageException : Exception
{
    /// <summary>An error whose <paramref name="message"/> names the problem and what to do.</summary>
    public ModelPackageException(string message)
        : base(message)
    {
    }

    /// <summary>An error whose <paramref name="message"/> names the problem and what to do, caused by <paramref name="innerException"/>.</summary>
    public ModelPackageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>An error without a message; prefer the constructors that say what went wrong.</summary>
    public ModelPackageException()
    {
    }
}
