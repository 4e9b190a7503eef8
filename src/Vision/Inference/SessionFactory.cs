using EdgePali.Vision.Packages;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace EdgePali.Vision.Inference;

/// <summary>
/// Creates the ORT session of each model part on the providers its preference list asks for.
/// Provider resolution, in order: a device offered by a registered plugin EP library (ORT's
/// RegisterExecutionProviderLibrary / GetEpDevices / AppendExecutionProvider(env, devices, options) route,
/// how QNN ships), then a provider compiled into this ORT build (GetAvailableProviders), otherwise skipped
/// with the reason logged. CPU always comes last so unsupported nodes still run.
/// </summary>
public sealed class SessionFactory
{
    private static readonly Lock RegistrationLock = new();
    private static readonly Dictionary<string, string> RegisteredLibraries = new(StringComparer.OrdinalIgnoreCase);

    private readonly ExecutionProviderOptions _options;
    private readonly ILogger _logger;
    private readonly OrtEnv _env;

    /// <summary>A factory that applies <paramref name="options"/> to every session and logs which providers each part got.</summary>
    public SessionFactory(ExecutionProviderOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _logger = logger;
        _env = OrtEnv.Instance();
        RegisterPluginLibraries();
    }

    /// <summary>Full ORT names of the providers compiled into the loaded native library.</summary>
    public static IReadOnlyList<string> BuiltInProviders => OrtEnv.Instance().GetAvailableProviders();

    /// <summary>"QNN" and "QNNExecutionProvider" both become "qnn"; used to match choices with ORT names.</summary>
    public static string ShortName(string name)
    {
        var n = name.Trim();
        const string Suffix = "ExecutionProvider";
        if (n.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase))
        {
            n = n[..^Suffix.Length];
        }

        return n.ToLowerInvariant() switch
        {
            "tensorrt" or "trt" => "tensorrt",
            var other => other,
        };
    }

    /// <summary>Creates and returns the session for <paramref name="part"/> from <paramref name="modelPath"/>.</summary>
    /// <exception cref="ModelPackageException">The file cannot be loaded (corrupt, truncated, not ONNX).</exception>
    /// <exception cref="ExecutionProviderException">No allowed provider is usable and CPU fallback is off.</exception>
    public ModelSession Create(ModelPart part, string modelPath)
    {
        var choices = _options.For(part);
        var options = NewSessionOptions();
        List<string> appended;
        try
        {
            appended = AppendProviders(part, options, choices);
        }
        catch
        {
            options.Dispose();
            throw;
        }

        try
        {
            var session = new InferenceSession(modelPath, options);
            _logger.LogInformation("Loaded {Part} from {File} on {Providers}", part, Path.GetFileName(modelPath), string.Join(" > ", appended));
            return new ModelSession(part, session, options, appended);
        }
        catch (OnnxRuntimeException ex) when (appended.Count > 1 && _options.AllowCpuFallback)
        {
            // An accelerator may reject a graph it claimed (e.g. dynamic shapes on an NPU): CPU still can.
            options.Dispose();
            _logger.LogWarning(ex, "Creating the {Part} session on {Providers} failed; retrying on CPU only", part, string.Join(" > ", appended));
        }
        catch (OnnxRuntimeException ex)
        {
            options.Dispose();
            throw Unloadable(modelPath, ex);
        }

        var cpuOptions = NewSessionOptions();
        try
        {
            var session = new InferenceSession(modelPath, cpuOptions);
            _logger.LogInformation("Loaded {Part} from {File} on {Providers}", part, Path.GetFileName(modelPath), "CPU");
            return new ModelSession(part, session, cpuOptions, ["CPUExecutionProvider"]);
        }
        catch (OnnxRuntimeException ex)
        {
            cpuOptions.Dispose();
            throw Unloadable(modelPath, ex);
        }
    }

    private static ModelPackageException Unloadable(string modelPath, OnnxRuntimeException ex) =>
        new($"{modelPath} cannot be loaded by ONNX Runtime: {ex.Message.Trim()}. The file is corrupt, truncated or not an ONNX model (or its .onnx_data file is missing); copy the package again or rebuild it.", ex);

    private SessionOptions NewSessionOptions()
    {
        var t = _options.Tuning;
        var o = new SessionOptions
        {
            IntraOpNumThreads = t.EffectiveIntraOpThreads,
            InterOpNumThreads = t.InterOpThreads,
            ExecutionMode = t.InterOpThreads > 1 ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevels.Parse(t.GraphOptimizationLevel),
        };
        o.AddSessionConfigEntry("session.intra_op.allow_spinning", t.AllowSpinning ? "1" : "0");
        return o;
    }

    private List<string> AppendProviders(ModelPart part, SessionOptions options, IList<ExecutionProviderChoice> choices)
    {
        var appended = new List<string>();
        var skipped = new List<string>();
        var cpuListed = choices.Count == 0;
        foreach (var choice in choices)
        {
            var name = ShortName(choice.Name);
            if (name == "cpu")
            {
                cpuListed = true;
                break; // CPU takes every remaining node: later entries could never run anything.
            }

            var reason = TryAppend(options, choice);
            if (reason is null)
            {
                appended.Add(choice.Name);
            }
            else
            {
                skipped.Add($"{choice.Name}: {reason}");
                _logger.LogWarning("Execution provider {Provider} skipped for {Part}: {Reason}", choice.Name, part, reason);
            }
        }

        if (appended.Count == 0 && !cpuListed && !_options.AllowCpuFallback)
        {
            throw new ExecutionProviderException(
                $"No execution provider can run the {part}: {string.Join("; ", skipped)}. Providers in this ONNX Runtime build: {string.Join(", ", BuiltInProviders)}. " +
                "Register the provider's plugin library (PluginLibraries), use an ORT build that includes it, or allow CPU fallback.");
        }

        // The CPU provider is always there implicitly; naming it last keeps reports honest.
        appended.Add("CPUExecutionProvider");
        return appended;
    }

    /// <summary>Appends one provider; returns null on success or why it was skipped.</summary>
    private string? TryAppend(SessionOptions options, ExecutionProviderChoice choice)
    {
        var name = ShortName(choice.Name);
        try
        {
            var devices = _env.GetEpDevices().Where(d => ShortName(d.EpName) == name).ToList();
            if (devices.Count > 0)
            {
                options.AppendExecutionProvider(_env, devices, new Dictionary<string, string>(choice.Options, StringComparer.Ordinal));
                return null;
            }

            var builtIn = BuiltInProviders.FirstOrDefault(p => ShortName(p) == name);
            if (builtIn is null)
            {
                return $"not in this ONNX Runtime build (it has {string.Join(", ", BuiltInProviders)}) and no registered plugin library offers a device for it";
            }

            AppendBuiltIn(options, name, choice.Options);
            return null;
        }
        catch (OnnxRuntimeException ex)
        {
            return ex.Message.Trim();
        }
        catch (EntryPointNotFoundException ex)
        {
            return ex.Message.Trim();
        }
    }

    private static void AppendBuiltIn(SessionOptions options, string name, IDictionary<string, string> providerOptions)
    {
        var dict = new Dictionary<string, string>(providerOptions, StringComparer.Ordinal);
        switch (name)
        {
            case "cuda":
                using (var cuda = new OrtCUDAProviderOptions())
                {
                    cuda.UpdateOptions(dict);
                    options.AppendExecutionProvider_CUDA(cuda);
                }

                break;
            case "tensorrt":
                using (var trt = new OrtTensorRTProviderOptions())
                {
                    trt.UpdateOptions(dict);
                    options.AppendExecutionProvider_Tensorrt(trt);
                }

                break;
            case "dml":
                options.AppendExecutionProvider_DML(DeviceId(dict));
                break;
            case "rocm":
                options.AppendExecutionProvider_ROCm(DeviceId(dict));
                break;
            case "migraphx":
                options.AppendExecutionProvider_MIGraphX(DeviceId(dict));
                break;
            case "dnnl":
                options.AppendExecutionProvider_Dnnl(DeviceId(dict));
                break;
            case "openvino":
                options.AppendExecutionProvider_OpenVINO(dict.GetValueOrDefault("device_type", ""));
                break;
            case "qnn":
                options.AppendExecutionProvider("QNN", dict);
                break;
            case "xnnpack":
                options.AppendExecutionProvider("XNNPACK", dict);
                break;
            case "coreml":
                options.AppendExecutionProvider("CoreML", dict);
                break;
            case "snpe":
                options.AppendExecutionProvider("SNPE", dict);
                break;
            default:
                options.AppendExecutionProvider(name, dict);
                break;
        }
    }

    private static int DeviceId(Dictionary<string, string> options) =>
        options.TryGetValue("device_id", out var id) && int.TryParse(id, out var n) ? n : 0;

    private void RegisterPluginLibraries()
    {
        foreach (var library in _options.PluginLibraries)
        {
            lock (RegistrationLock)
            {
                // ORT's environment is process-wide: a library registered by an earlier engine stays registered.
                if (RegisteredLibraries.TryGetValue(library.Name, out var path))
                {
                    if (!string.Equals(path, library.Path, StringComparison.Ordinal))
                    {
                        _logger.LogWarning("Plugin EP library {Name} is already registered from {Existing}; ignoring {Path}", library.Name, path, library.Path);
                    }

                    continue;
                }

                if (!File.Exists(library.Path))
                {
                    _logger.LogWarning("Plugin EP library {Name} not registered: {Path} does not exist", library.Name, library.Path);
                    continue;
                }

                try
                {
                    _env.RegisterExecutionProviderLibrary(library.Name, library.Path);
                    RegisteredLibraries[library.Name] = library.Path;
                    var devices = _env.GetEpDevices().Select(d => $"{d.EpName}/{d.HardwareDevice.Type}").Distinct();
                    _logger.LogInformation("Registered plugin EP library {Name} from {Path}; EP devices now: {Devices}", library.Name, library.Path, string.Join(", ", devices));
                }
                catch (OnnxRuntimeException ex)
                {
                    _logger.LogWarning(ex, "Plugin EP library {Name} at {Path} could not be registered: {Reason}", library.Name, library.Path, ex.Message);
                }
            }
        }
    }
}
