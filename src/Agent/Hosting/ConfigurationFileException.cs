namespace EdgePali.Agent.Hosting;

/// <summary>The configuration cannot be read at all (missing file, broken JSON); the message names the file and the fix.</summary>
public sealed class ConfigurationFileException : Exception
{
    public ConfigurationFileException(string message)
        : base(message)
    {
    }

    public ConfigurationFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ConfigurationFileException()
    {
    }
}
