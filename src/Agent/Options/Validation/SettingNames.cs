namespace EdgePali.Agent.Options.Validation;

/// <summary>The values some settings accept, shared by the validators, the control surface and the docs.</summary>
public static class SettingNames
{
    /// <summary>The engine's task kinds (<see cref="Vision.Tasks.TaskKinds"/> owns the list).</summary>
    public static IReadOnlyList<string> TaskKinds => Vision.Tasks.TaskKinds.All;

    public static IReadOnlyList<string> Triggers { get; } = ["interval", "motion", "gpio", "command"];

    public static IReadOnlyList<string> Backends { get; } = ["auto", "opencv", "v4l2"];

    public static IReadOnlyList<string> Variants { get; } = ["int8", "q4", "fp32", "qdq"];

    /// <summary>
    /// The execution providers ONNX Runtime knows (its core/graph/constants.h), by their short names. Which of
    /// them this ORT build or a plugin library actually offers is only known when the engine loads; a name
    /// outside this list is a typo unless a configured plugin library has that name.
    /// </summary>
    public static IReadOnlyList<string> ExecutionProviders { get; } =
    [
        "CPU", "QNN", "XNNPACK", "CUDA", "TensorRT", "NvTensorRTRTX", "OpenVINO", "DNNL", "ACL", "ArmNN", "CoreML", "NNAPI", "SNPE",
        "DML", "ROCm", "MIGraphX", "VitisAI", "RKNPU", "CANN", "VSINPU", "WebGPU", "WebNN", "JS", "Azure",
    ];

    public static IReadOnlyList<string> GraphOptimizationLevels => Vision.Inference.GraphOptimizationLevels.Names;

    /// <summary>True for names usable as one MQTT topic level and a file name: letters, digits, '-', '_'.</summary>
    public static bool IsTopicSafe(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
