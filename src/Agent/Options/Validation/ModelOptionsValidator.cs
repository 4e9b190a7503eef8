using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Options.Validation;

/// <summary>Checks section "Model". Whether the folder holds a sound package is the engine's check when it loads.</summary>
internal sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
            errors.Add("Model:Path: is empty. Set it to a model package folder, e.g. models/int8/demo-tiny (built by ./run.sh) or one built with `edgepali-quantize build`.");
        else if (options.ResolvePath() is null)
            errors.Add($"Model:Path: '{options.Path}' does not exist (looked in {Directory.GetCurrentDirectory()} and {AppContext.BaseDirectory}). Build the demo model with ./run.sh, or set Model:Path to a model package folder (see models/int8/README.md).");
        if (!SettingNames.Variants.Contains(options.Variant))
            errors.Add($"Model:Variant: '{options.Variant}' is not a weight variant. Use one of {string.Join(", ", SettingNames.Variants)}.");
        if (options.Threads < 0)
            errors.Add($"Model:Threads: must be 0 (engine chooses) or more (got {options.Threads}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
