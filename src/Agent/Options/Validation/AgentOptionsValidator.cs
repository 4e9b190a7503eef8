using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Options.Validation;

/// <summary>Checks section "Agent".</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.DeviceId) && !SettingNames.IsTopicSafe(options.DeviceId))
            errors.Add($"Agent:DeviceId: '{options.DeviceId}' cannot be an MQTT topic level. Use 1-64 letters, digits, '-' or '_' (or leave it empty for the host name).");
        if (!(options.StatsIntervalSeconds > 0))
            errors.Add($"Agent:StatsIntervalSeconds: must be more than 0 (got {options.StatsIntervalSeconds}). Set e.g. 60.");

        var state = options.ResolvedStateDirectory;
        try
        {
            Directory.CreateDirectory(state);
            var probe = Path.Combine(state, ".write-test");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"Agent:StateDirectory: '{state}' is not a writable folder ({e.Message}). Set Agent:StateDirectory to a folder this user can write, or run under the systemd unit (StateDirectory=edgepali).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
