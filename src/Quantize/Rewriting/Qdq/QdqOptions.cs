namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>Options of `quantize --mode qdq`.</summary>
/// <param name="CalibrationPath">A folder of images or a video file: frames like those the camera will deliver.</param>
/// <param name="Method">How each activation's range is chosen from the calibration values.</param>
/// <param name="MaxCalibrationFrames">Frames used at most (evenly spaced in a video; the first ones, by name, in a folder).</param>
/// <param name="Percentile">For <see cref="CalibrationMethod.Percentile"/>: the share of |x| kept inside the range, in percent.</param>
/// <param name="Activations">Activation type: uint16 keeps transformers accurate (QNN HTP runs 16-bit activations); uint8 is smaller and faster.</param>
/// <param name="Weights">Weight type: int8 is symmetric (zero point 0), uint8 asymmetric.</param>
/// <param name="PerChannel">One weight scale per output channel instead of one per tensor.</param>
public sealed record QdqOptions(
    string CalibrationPath,
    CalibrationMethod Method = CalibrationMethod.MinMax,
    double Percentile = 99.999,
    QuantType Activations = QuantType.UInt16,
    QuantType Weights = QuantType.Int8,
    bool PerChannel = false,
    int MaxCalibrationFrames = 32)
{
    public void Validate()
    {
        if (Activations is not (QuantType.UInt8 or QuantType.UInt16))
            throw new QuantizeException($"--activations {Activations.CliName()} is not supported; use uint8 or uint16 (the activation types QNN HTP runs).");
        if (Weights is not (QuantType.Int8 or QuantType.UInt8))
            throw new QuantizeException($"--weights {Weights.CliName()} is not supported in qdq mode; use int8 or uint8.");
        if (Percentile is <= 50 or > 100)
            throw new QuantizeException($"--percentile {Percentile} must be above 50 and at most 100.");
        if (MaxCalibrationFrames < 1)
            throw new QuantizeException($"--calibration-frames {MaxCalibrationFrames} must be at least 1.");
    }
}
