using Microsoft.Extensions.Configuration;

namespace EdgePali.Agent.Hosting;

/// <summary>
/// Where the worker's settings come from, later sources overriding earlier ones:
/// appsettings.json beside the program, then /etc/edgepali/edgepali.json (or the --config file), then
/// environment variables EDGEPALI_Section__Key, then command-line arguments --Section:Key=value.
/// </summary>
public static class AgentConfiguration
{
    public const string DefaultConfigFile = "/etc/edgepali/edgepali.json";
    public const string EnvironmentPrefix = "EDGEPALI_";

    /// <summary>Builds the configuration; throws <see cref="ConfigurationFileException"/> for a missing or unreadable file.</summary>
    public static IConfigurationRoot Build(string? configFile, IReadOnlyList<string> commandLine)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
                throw new ConfigurationFileException($"--config: '{full}' does not exist. Give the path of a JSON configuration file (see docs/configuration.md).");
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        else
        {
            builder.AddJsonFile(DefaultConfigFile, optional: true, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddCommandLine([.. commandLine]);
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException e)
        {
            // The JSON provider's message names the file, line and position of the syntax error.
            throw new ConfigurationFileException($"{e.Message} {e.InnerException?.Message} Fix the JSON syntax.", e);
        }
        catch (FormatException e)
        {
            throw new ConfigurationFileException($"Command line: {e.Message} Write settings as --Section:Key=value.", e);
        }
    }
}
