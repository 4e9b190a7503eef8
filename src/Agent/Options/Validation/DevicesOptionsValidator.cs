using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Options.Validation;

/// <summary>Checks section "Devices" (thermal thresholds, GPIO pins and rules).</summary>
/// <remarks>Camera names come from the bound but unvalidated camera list, so a camera problem is reported once, by its own validator.</remarks>
internal sealed class DevicesOptionsValidator(IEnumerable<IConfigureOptions<CamerasOptions>> camerasSetup) : IValidateOptions<DevicesOptions>
{
    public ValidateOptionsResult Validate(string? name, DevicesOptions options)
    {
        var errors = new List<string>();
        var thermal = options.Thermal;
        if (!(thermal.PollSeconds > 0))
            errors.Add($"Devices:Thermal:PollSeconds: must be more than 0 (got {thermal.PollSeconds}). Set e.g. 5.");
        if (!(thermal.ResumeBelowCelsius < thermal.SlowAboveCelsius && thermal.SlowAboveCelsius <= thermal.PauseAboveCelsius))
            errors.Add($"Devices:Thermal: need ResumeBelowCelsius < SlowAboveCelsius <= PauseAboveCelsius (got {thermal.ResumeBelowCelsius} / {thermal.SlowAboveCelsius} / {thermal.PauseAboveCelsius}); the gap between resume and slow is the hysteresis. E.g. 70 / 75 / 82.");
        if (thermal.SlowDelaySeconds < 0)
            errors.Add($"Devices:Thermal:SlowDelaySeconds: must be 0 or more (got {thermal.SlowDelaySeconds}).");

        var cameras = new CamerasOptions();
        foreach (var setup in camerasSetup)
            setup.Configure(cameras);
        var cameraNames = cameras.Items.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var pins = new HashSet<int>();
        for (var i = 0; i < options.Gpio.Inputs.Count; i++)
        {
            var input = options.Gpio.Inputs[i];
            var key = $"Devices:Gpio:Inputs:{i}";
            if (input.Pin < 0)
                errors.Add($"{key}:Pin: set the input's GPIO number (BCM numbering on a Raspberry Pi), e.g. {key}:Pin=17.");
            else if (!pins.Add(input.Pin))
                errors.Add($"{key}:Pin: GPIO {input.Pin} is used twice. Each pin can be one input or one output.");
            if (input.DebounceMilliseconds < 0)
                errors.Add($"{key}:DebounceMilliseconds: must be 0 or more (got {input.DebounceMilliseconds}).");
            foreach (var camera in input.Cameras.Where(c => !cameraNames.Contains(c)))
                errors.Add($"{key}:Cameras: '{camera}' is not a configured camera. Use one of {string.Join(", ", cameraNames)}.");
        }

        for (var i = 0; i < options.Gpio.Outputs.Count; i++)
        {
            var output = options.Gpio.Outputs[i];
            var key = $"Devices:Gpio:Outputs:{i}";
            if ((output.Pin >= 0) == !string.IsNullOrWhiteSpace(output.Led))
                errors.Add($"{key}: set exactly one of Pin (a GPIO number) or Led (a name under /sys/class/leds, e.g. ACT).");
            else if (output.Pin >= 0 && !pins.Add(output.Pin))
                errors.Add($"{key}:Pin: GPIO {output.Pin} is used twice. Each pin can be one input or one output.");
            if (string.IsNullOrWhiteSpace(output.Label))
                errors.Add($"{key}:Label: set what switches the output on, e.g. person.");
            if (!(output.HoldSeconds > 0))
                errors.Add($"{key}:HoldSeconds: must be more than 0 (got {output.HoldSeconds}). Set e.g. 10.");
            if (!string.IsNullOrEmpty(output.Camera) && !cameraNames.Contains(output.Camera))
                errors.Add($"{key}:Camera: '{output.Camera}' is not a configured camera. Use one of {string.Join(", ", cameraNames)}, or leave it empty for any.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
