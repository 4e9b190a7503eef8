using EdgePali.Vision.Inference;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Options.Validation;

/// <summary>
/// Checks section "Model". Whether the folder holds a sound package, and whether a listed provider is really
/// offered by this ONNX Runtime build or a plugin library, are the engine's checks when it loads.
/// </summary>
internal sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    private const string Providers = "Model:ExecutionProviders";

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
        ValidateProviders(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateProviders(ModelOptions options, List<string> errors)
    {
        var ep = options.ExecutionProviders;
        var plugins = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ep.PluginLibraries.Count; i++)
        {
            var library = ep.PluginLibraries[i];
            var key = $"{Providers}:PluginLibraries:{i}";
            if (string.IsNullOrWhiteSpace(library.Name))
                errors.Add($"{key}:Name: is empty. Name the provider the library adds, e.g. QNN, and list that name in the parts' provider lists.");
            else if (!plugins.Add(SessionFactory.ShortName(library.Name)))
                errors.Add($"{key}:Name: '{library.Name}' is registered twice. Keep one entry per library.");
            if (string.IsNullOrWhiteSpace(library.Path))
                errors.Add($"{key}:Path: is empty. Give the full path of the plugin EP library, e.g. /usr/lib/libonnxruntime_providers_qnn.so.");
            else if (!Path.IsPathRooted(library.Path))
                errors.Add($"{key}:Path: '{library.Path}' is not an absolute path. Give the full path, e.g. /usr/lib/libonnxruntime_providers_qnn.so.");
            else if (!File.Exists(library.Path))
                errors.Add($"{key}:Path: '{library.Path}' does not exist. Install the plugin EP library (for QNN: libonnxruntime_providers_qnn.so from the onnxruntime-qnn project, see docs/deploy.md) or correct the path.");
        }

        ValidateList($"{Providers}:VisionEncoder", ep.VisionEncoder, plugins, errors);
        ValidateList($"{Providers}:EmbedTokens", ep.EmbedTokens, plugins, errors);
        ValidateList($"{Providers}:Decoder", ep.Decoder, plugins, errors);

        var tuning = ep.Tuning;
        if (tuning.IntraOpThreads is < 0 or > 256)
            errors.Add($"{Providers}:Tuning:IntraOpThreads: must be 0 (engine chooses) to 256 (got {tuning.IntraOpThreads}).");
        if (tuning.InterOpThreads is < 1 or > 64)
            errors.Add($"{Providers}:Tuning:InterOpThreads: must be 1 (sequential, right for these graphs) to 64 (got {tuning.InterOpThreads}).");
        if (!SettingNames.GraphOptimizationLevels.Contains(tuning.GraphOptimizationLevel.Trim(), StringComparer.OrdinalIgnoreCase))
            errors.Add($"{Providers}:Tuning:GraphOptimizationLevel: '{tuning.GraphOptimizationLevel}' is unknown. Use one of {string.Join(", ", SettingNames.GraphOptimizationLevels)}.");
        if (options.Threads > 0 && tuning.IntraOpThreads > 0 && options.Threads != tuning.IntraOpThreads)
            errors.Add($"Model:Threads: {options.Threads} contradicts {Providers}:Tuning:IntraOpThreads = {tuning.IntraOpThreads}. Set only one of them.");
    }

    private static void ValidateList(string key, IList<ExecutionProviderChoice> choices, HashSet<string> plugins, List<string> errors)
    {
        var known = SettingNames.ExecutionProviders.ToDictionary(SessionFactory.ShortName, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? cpuAt = null;
        for (var i = 0; i < choices.Count; i++)
        {
            var entry = $"{key}:{i}";
            // An empty Name in the configuration is no value at all: the binder keeps the default, CPU.
            var providerName = choices[i].Name;
            var shortName = SessionFactory.ShortName(providerName);
            if (!known.ContainsKey(shortName) && !plugins.Contains(shortName))
            {
                var nearest = known.Keys.MinBy(k => ConfigurationShape.EditDistance(k, shortName))!;
                var hint = ConfigurationShape.EditDistance(nearest, shortName) <= 2 ? $" Did you mean '{known[nearest]}'?" : "";
                errors.Add($"{entry}:Name: '{providerName}' is not an ONNX Runtime execution provider.{hint} Known: {string.Join(", ", SettingNames.ExecutionProviders)}. " +
                    $"A provider from a plugin library needs that library in {Providers}:PluginLibraries with the same Name.");
                continue;
            }

            if (!seen.Add(shortName))
                errors.Add($"{entry}:Name: '{providerName}' is listed twice. Each provider once, in order of preference.");
            else if (cpuAt is not null)
                errors.Add($"{entry}:Name: '{providerName}' comes after CPU ({cpuAt}), which takes every node left: it would never run. Put it before CPU or remove it.");
            if (shortName == "cpu")
                cpuAt ??= entry;
        }
    }
}
