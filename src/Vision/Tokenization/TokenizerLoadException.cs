namespace EdgePali.Vision.Tokenization;

/// <summary>A tokenizer file is missing, is not valid JSON, or describes a tokenizer this project does not
/// implement. The message names the file, the problem and what to do.</summary>
public sealed class TokenizerLoadException : Exception
{
    public TokenizerLoadException()
    {
    }

    public TokenizerLoadException(string message)
        : base(message)
    {
    }

    public TokenizerLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
