namespace EdgePali.Agent.Options;

/// <summary>
/// Settings that name a file holding a secret (`Mqtt:PasswordFile`, `Mqtt:Tls:KeyFile`, `Cameras:N:SourceFile`, ...).
/// With `DynamicUser=yes` the configuration file must be readable by a user that does not exist until the service
/// starts, i.e. by everyone, so secrets belong in systemd credentials (`LoadCredential=name:/root-only/file`), which
/// systemd hands only to the service, in the folder `$CREDENTIALS_DIRECTORY`. A path may therefore start with
/// `${CREDENTIALS_DIRECTORY}/` (or `$CREDENTIALS_DIRECTORY/`), expanded here from the environment.
/// </summary>
public static class SecretFile
{
    public const string CredentialsVariable = "CREDENTIALS_DIRECTORY";

    private static readonly string[] Placeholders = ["${" + CredentialsVariable + "}", "$" + CredentialsVariable];

    /// <summary>The path with a leading credentials-directory placeholder replaced (unchanged when the variable is unset: <see cref="Problem"/> reports that).</summary>
    public static string ExpandPath(string path, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var directory = (environment ?? Environment.GetEnvironmentVariable)(CredentialsVariable);
        foreach (var placeholder in Placeholders)
        {
            if (path.StartsWith(placeholder, StringComparison.Ordinal) && !string.IsNullOrEmpty(directory))
            {
                return directory.TrimEnd('/') + path[placeholder.Length..];
            }
        }

        return path;
    }

    /// <summary>Why the (expanded) file named by setting <paramref name="key"/> cannot be used, or null. Never quotes the file's content.</summary>
    public static string? Problem(string key, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Placeholders.Any(p => path.StartsWith(p, StringComparison.Ordinal)))
        {
            return $"{key}: '{path}' names a systemd credential, but ${CredentialsVariable} is not set. Add LoadCredential=NAME:/path/to/secret to the unit (docs/deploy.md), or give a plain path.";
        }

        return File.Exists(path) ? null : $"{key}: '{path}' does not exist. Create it (readable by the service only), or correct the path.";
    }

    /// <summary>The first line of the file, without the line break (how passwords and URLs are stored, e.g. by `systemd-creds` or `echo`).</summary>
    public static string ReadFirstLine(string path) =>
        File.ReadLines(path).FirstOrDefault()?.TrimEnd('\r') ?? "";
}
