using EdgePali.Vision.Packages;
using Microsoft.ML.OnnxRuntime;

namespace EdgePali.Vision.Inference;

/// <summary>One ORT session of a model part, with the options it was made from and the providers it runs on.</summary>
public sealed class ModelSession : IDisposable
{
    private readonly SessionOptions _options;

    internal ModelSession(ModelPart part, InferenceSession session, SessionOptions options, IReadOnlyList<string> providers)
    {
        Part = part;
        Session = session;
        _options = options;
        Providers = providers;
    }

    /// <summary>Which graph of the package this session runs.</summary>
    public ModelPart Part { get; }

    /// <summary>The ONNX Runtime session, with the execution providers that were appended.</summary>
    public InferenceSession Session { get; }

    /// <summary>Providers in priority order as appended (CPU last); ORT places each node on the first that supports it.</summary>
    public IReadOnlyList<string> Providers { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Session.Dispose();
        _options.Dispose();
    }
}
