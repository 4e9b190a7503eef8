using EdgePali.Quantize.Onnx;
using EdgePali.Vision.Packages;

namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>One graph to QDQ: plan which nodes are quantised, calibrate their activations, write the new graph with the calibration inputs' shapes.</summary>
internal static class QdqPartQuantizer
{
    public static List<ManifestNodeDecision> Quantize(
        OnnxModelSource source,
        string partName,
        QdqOptions options,
        IReadOnlyList<string> exclude,
        IReadOnlyList<IReadOnlyList<CalibrationInput>> calibration,
        string outPath,
        Action<int> calibrationInputDone,
        Action<long> bytesDone,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var plan = QdqGraphPlan.Analyse(source.Model.Graph, partName, exclude);
        var ranges = ActivationCalibrator.Collect(source, plan.Calibrated.ToList(), calibration, options.Method, options.Percentile, calibrationInputDone, cancellationToken);
        var inputShapes = calibration[0].ToDictionary(i => i.Name, i => i.Shape, StringComparer.Ordinal);
        return QdqGraphWriter.Write(source, plan, ranges, options, inputShapes, partName, outPath, bytesDone, cancellationToken);
    }
}
