using EdgePali.Vision.Packages;
using Microsoft.ML.OnnxRuntime;

namespace EdgePali.Vision.Inference;

/// <summary>
/// Runs the vision encoder: pixel_values [1,3,S,S] from a buffer pinned once (preprocessing writes into
/// <see cref="PixelValues"/>) to image_features written straight into an <see cref="ImageFeatures"/>.
/// Runs only for the prompt step; decode steps never touch it (ORT GenAI's multi-modal split).
/// </summary>
internal sealed class VisionEncoderStage : IDisposable
{
    private static readonly string[] InputNames = [GraphTensorNames.PixelValues];
    private static readonly string[] OutputNames = [GraphTensorNames.ImageFeatures];

    private readonly PaliGemmaModel _model;
    private readonly float[] _pixels;
    private readonly OrtValue _pixelValue;
    private readonly OrtValue[] _inputs = new OrtValue[1];
    private readonly OrtValue[] _outputs = new OrtValue[1];
    private readonly RunOptions _runOptions = new();

    public VisionEncoderStage(PaliGemmaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        var s = model.Config.Vision.ImageSize;
        _pixels = new float[3 * s * s];
        _pixelValue = OrtValue.CreateTensorValueFromMemory(_pixels, [1, 3, s, s]);
        _inputs[0] = _pixelValue;
    }

    /// <summary>The pixel_values buffer, CHW RGB, normalised; fill it, then call <see cref="Encode"/>.</summary>
    public Span<float> PixelValues => _pixels;

    /// <summary>New features sized for this model.</summary>
    public ImageFeatures CreateFeatures() => new(_model.Config.ImageTokenCount, _model.Config.Text.HiddenSize);

    private long _runs;

    /// <summary>How many images were encoded (callers that share one encode between tasks show it here).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>Encodes the current <see cref="PixelValues"/> into <paramref name="features"/>.</summary>
    public void Encode(ImageFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.TokenCount != _model.Config.ImageTokenCount || features.Width != _model.Config.Text.HiddenSize)
        {
            throw new ArgumentException(
                $"Features of shape [{features.TokenCount},{features.Width}] do not fit this model's [{_model.Config.ImageTokenCount},{_model.Config.Text.HiddenSize}].",
                nameof(features));
        }

        using var output = OrtValue.CreateTensorValueFromMemory(features.Buffer, [1, features.TokenCount, features.Width]);
        _outputs[0] = output;
        _model.VisionEncoder.Session.Run(_runOptions, InputNames, _inputs, OutputNames, _outputs);
        _outputs[0] = null!;
        Interlocked.Increment(ref _runs);
    }

    public void Dispose()
    {
        _pixelValue.Dispose();
        _runOptions.Dispose();
    }
}
