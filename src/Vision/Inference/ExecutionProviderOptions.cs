using System.ComponentModel.DataAnnotations;
using EdgePali.Vision.Packages;

namespace EdgePali.Vision.Inference;

/// <summary>
/// Where each part of the model runs. Each part has an ordered preference list; ORT gives every node to
/// the first provider in the list that can run it, and CPU takes the rest. Providers that neither this ORT
/// build nor a registered plugin library offers are skipped with a logged reason.
/// Example (Qualcomm board): plugin library QNN = /opt/qnn/libonnxruntime_providers_qnn.so,
/// VisionEncoder = [QNN {backend_type: htp}], Decoder = [CPU].
/// Settable properties so the worker can bind this from configuration.
/// </summary>
public sealed class ExecutionProviderOptions
{
    /// <summary>Preference list for the vision encoder. Empty means CPU.</summary>
    public IList<ExecutionProviderChoice> VisionEncoder { get; init; } = [];

    /// <summary>Preference list for the token embedding lookup. Empty means CPU (a gather: no accelerator helps).</summary>
    public IList<ExecutionProviderChoice> EmbedTokens { get; init; } = [];

    /// <summary>Preference list for the decoder. Empty means CPU.</summary>
    public IList<ExecutionProviderChoice> Decoder { get; init; } = [];

    /// <summary>Plugin EP libraries to register with ORT before sessions are created (e.g. QNN's libonnxruntime_providers_qnn.so).</summary>
    public IList<PluginProviderLibrary> PluginLibraries { get; init; } = [];

    /// <summary>When no listed provider is usable for a part, run it on CPU (true) or fail at load (false).</summary>
    public bool AllowCpuFallback { get; set; } = true;

    /// <summary>Threads and graph options shared by all sessions.</summary>
    public SessionTuningOptions Tuning { get; init; } = new();

    /// <summary>The providers configured for <paramref name="part"/>, in order of preference.</summary>
    public IList<ExecutionProviderChoice> For(ModelPart part) => part switch
    {
        ModelPart.VisionEncoder => VisionEncoder,
        ModelPart.EmbedTokens => EmbedTokens,
        ModelPart.Decoder => Decoder,
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, null),
    };
}

/// <summary>One provider in a preference list, e.g. Name "QNN" with Options {backend_type: htp}.</summary>
public sealed class ExecutionProviderChoice
{
    /// <summary>Short or full provider name: CPU, QNN, XNNPACK, CUDA, TensorRT, OpenVINO, CoreML, ... ("QNNExecutionProvider" also works).</summary>
    [Required]
    public string Name { get; set; } = "CPU";

    /// <summary>Provider options passed through to ORT as key/value strings (see each provider's documentation).</summary>
    public IDictionary<string, string> Options { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A plugin execution-provider library registered with ORT by path (ORT's EP-library API).</summary>
public sealed class PluginProviderLibrary
{
    /// <summary>Registration name, e.g. "QNN".</summary>
    [Required]
    public string Name { get; set; } = "";

    /// <summary>Absolute path of the shared library, e.g. /usr/lib/libonnxruntime_providers_qnn.so.</summary>
    [Required]
    public string Path { get; set; } = "";
}

/// <summary>Session options. Defaults suit a 4-core board that also captures frames.</summary>
public sealed class SessionTuningOptions
{
    /// <summary>Threads per operator; 0 = one per core, at most 4 (more cores rarely help a 3B decoder at batch 1 and starve capture).</summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; }

    /// <summary>Threads running independent graph branches; 1 = sequential execution, right for these graphs.</summary>
    [Range(1, 64)]
    public int InterOpThreads { get; set; } = 1;

    /// <summary>Let idle ORT worker threads spin for a short while: lower per-token latency, more CPU burned. Off on busy boards.</summary>
    public bool AllowSpinning { get; set; } = true;

    /// <summary>ORT graph optimisation level: one of <see cref="GraphOptimizationLevels.Names"/>.</summary>
    public string GraphOptimizationLevel { get; set; } = GraphOptimizationLevels.All;

    internal int EffectiveIntraOpThreads => IntraOpThreads > 0 ? IntraOpThreads : Math.Clamp(Environment.ProcessorCount, 1, 4);
}
