using Microsoft.ML.OnnxRuntime;

namespace EdgePali.Vision.Inference;

/// <summary>
/// The names <see cref="SessionTuningOptions.GraphOptimizationLevel"/> accepts, spelled once so the engine and the
/// worker's configuration check agree (matched case-insensitively).
/// </summary>
public static class GraphOptimizationLevels
{
    /// <summary>No graph rewrites: for debugging a graph or an execution provider.</summary>
    public const string Disabled = "Disabled";

    /// <summary>Semantics-preserving rewrites only (constant folding, redundant-node removal).</summary>
    public const string Basic = "Basic";

    /// <summary>Basic plus fusions that need ONNX Runtime's contrib ops.</summary>
    public const string Extended = "Extended";

    /// <summary>Everything, including layout rewrites: the default and the fastest on CPU.</summary>
    public const string All = "All";

    /// <summary>Every accepted name, from least to most optimisation.</summary>
    public static IReadOnlyList<string> Names { get; } = [Disabled, Basic, Extended, All];

    /// <summary>Whether <paramref name="name"/> (trimmed, any case) is one of <see cref="Names"/>.</summary>
    public static bool IsKnown(string? name) =>
        name is not null && Names.Contains(name.Trim(), StringComparer.OrdinalIgnoreCase);

    internal static GraphOptimizationLevel Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "disabled" => GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic" => GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended" => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all" => GraphOptimizationLevel.ORT_ENABLE_ALL,
        _ => throw new ExecutionProviderException($"Graph optimisation level '{name}' is not one of {string.Join(", ", Names)}."),
    };
}
