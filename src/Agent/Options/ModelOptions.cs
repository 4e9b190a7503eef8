using EdgePali.Vision.Inference;

namespace EdgePali.Agent.Options;

/// <summary>Section "Model": which model package the worker loads.</summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>Default package: the random-weight demo model that ./run.sh builds.</summary>
    public const string DemoModelPath = "models/int8/demo-tiny";

    /// <summary>A model package folder (with edgepali.json). Relative paths are tried against the working directory, then the program's folder.</summary>
    public string Path { get; set; } = DemoModelPath;

    /// <summary>Which weights of the package: "int8", "q4" or "fp32".</summary>
    public string Variant { get; set; } = "int8";

    /// <summary>Intra-op threads for ONNX Runtime; 0 lets the engine choose (the number of cores, at most 4). Shorthand for ExecutionProviders:Tuning:IntraOpThreads.</summary>
    public int Threads { get; set; }

    /// <summary>
    /// Where each part of the model runs (ordered provider lists per part, plugin EP libraries by path, CPU
    /// fallback) and the ORT session options. The engine's own options class, bound as it is, so the keys
    /// are the ones docs/engine.md shows. Empty lists run everything on the CPU.
    /// </summary>
    public ExecutionProviderOptions ExecutionProviders { get; init; } = new();

    /// <summary>The package folder actually used, or null when neither candidate exists.</summary>
    public string? ResolvePath()
    {
        if (System.IO.Path.IsPathRooted(Path))
            return Directory.Exists(Path) ? Path : null;
        foreach (var root in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            var candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, Path));
            if (Directory.Exists(candidate))
                return candidate;
        }

        return null;
    }
}
