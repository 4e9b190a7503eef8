namespace EdgePali.Vision.Tokenization;

/// <summary>A tokenizer file is missing, is not valid JSON, or describes a tokenizer this project does not
/// implement. The message names the file, the problem and what to do.</summary>
public sealed class TokenizerLoadException : Exception
{
    /// <summary>An error without a message; prefer the constructors that say what went wrong.</summary>
    public TokenizerLoadException()
    {
    }

    /// <summary>An error whose <paramref name="message"/> names the problem and what to do.</summary>
    public TokenizerLoadException(string message)
        : base(message)
    {
    }

    /// <summary>An error whose <paramref name="message"/> names the problem and what to do, caused by <paramref name="innerException"/>.</summary>
    public TokenizerLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
