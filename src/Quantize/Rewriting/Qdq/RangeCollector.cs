namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>Accumulates the values one activation tensor takes over all calibration inputs and turns them into a range.</summary>
internal abstract class RangeCollector
{
    public abstract void Add(ReadOnlySpan<float> values);

    public abstract TensorRange Range();

    public static RangeCollector Create(CalibrationMethod method, double percentile) => method switch
    {
        CalibrationMethod.MinMax => new MinMaxCollector(),
        CalibrationMethod.Percentile => new HistogramCollector(ActivationHistogram.DefaultBins, h => ActivationHistogram.PercentileRange(h, percentile)),
        CalibrationMethod.Entropy => new HistogramCollector(ActivationHistogram.EntropyBins, h => ActivationHistogram.EntropyRange(h, ActivationHistogram.QuantizedBins)),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };
}

/// <summary>The smallest and largest value over all inputs (ORT's MinMax without moving average).</summary>
internal sealed class MinMaxCollector : RangeCollector
{
    private float _min = float.PositiveInfinity;
    private float _max = float.NegativeInfinity;

    public override void Add(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
            return;
        foreach (var v in values)
        {
            if (v < _min)
                _min = v;
            if (v > _max)
                _max = v;
        }
    }

    public override TensorRange Range() => float.IsFinite(_min) ? new TensorRange(_min, _max) : new TensorRange(0, 0);
}

/// <summary>Builds an <see cref="ActivationHistogram"/> and reads a range from it at the end (percentile or entropy).</summary>
internal sealed class HistogramCollector(int bins, Func<ActivationHistogram, TensorRange> range) : RangeCollector
{
    private readonly ActivationHistogram _histogram = new(bins);

    public override void Add(ReadOnlySpan<float> values) => _histogram.Add(values);

    public override TensorRange Range() => range(_histogram);
}
