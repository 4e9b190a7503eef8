namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>How an activation's quantisation range is chosen from the values seen during calibration.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen (ORT's default): nothing is clipped, outliers stretch the step.</summary>
    MinMax,

    /// <summary>Symmetric range holding the given percentile of |x| (default 99.999; 2048-bin histogram, as ORT).</summary>
    Percentile,

    /// <summary>The range whose 128-level quantisation has the least KL divergence from the real distribution (ORT's entropy calibrator).</summary>
    Entropy,
}
