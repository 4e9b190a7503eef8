using EdgePali.Quantize.Verification;
using EdgePali.Vision.Imaging;
using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>
/// Calibration inputs of the vision encoder: frames from a folder of images or a video file, preprocessed exactly
/// as the engine does (<see cref="ImagePreprocessor"/>: Pillow-exact resize, the package's normalisation) into
/// pixel_values [1, 3, S, S].
/// </summary>
internal static class VisionCalibrationInputs
{
    public static List<IReadOnlyList<CalibrationInput>> Load(string path, int maxFrames, PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!Directory.Exists(path) && !File.Exists(path))
            throw new QuantizeException($"--calibration '{path}' does not exist: give a folder of images or a video file with frames like the camera's.");
        var size = config.Vision.ImageSize;
        var preprocessor = new ImagePreprocessor(size, ImageNormalization.Create(
            config.Preprocessor.RescaleFactor, config.Preprocessor.ImageMean, config.Preprocessor.ImageStd));
        var frames = FrameSource.Load(path, maxFrames);
        var inputs = new List<IReadOnlyList<CalibrationInput>>(frames.Count);
        foreach (var frame in frames)
        {
            var pixels = new float[preprocessor.PixelValuesLength];
            preprocessor.Preprocess(frame, pixels);
            inputs.Add([new CalibrationInput(GraphTensorNames.PixelValues, pixels, [1, 3, size, size])]);
        }

        return inputs;
    }
}
