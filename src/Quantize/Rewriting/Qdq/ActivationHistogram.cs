namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>
/// Histogram of an activation's values over a range [-t, t] symmetric about zero, with zero on a bin edge, grown
/// as larger values arrive without re-reading earlier inputs (ORT's HistogramCollector.merge_histogram: new bins
/// of the same width are added on both sides). Bins never exceed <see cref="MaxBins"/>: beyond that, pairs of bins
/// are merged (twice the width), which ORT does not do, so one huge outlier cannot make the histogram huge.
/// The percentile and entropy ranges are computed from it as ORT's calibrators do (differences noted inline).
/// </summary>
internal sealed class ActivationHistogram
{
    public const int DefaultBins = 2048;
    public const int MaxBins = 4 * DefaultBins;

    /// <summary>
    /// Histogram bins of the entropy method. ORT's default of 128 (equal to its quantised bins) leaves one candidate,
    /// the full range, so its entropy method is MinMax in effect; 2048 (TensorRT's choice) lets sparse histograms
    /// (few calibration frames) pick windows that clip most values. 512 keeps the threshold at a quarter of the
    /// largest value or above.
    /// </summary>
    public const int EntropyBins = 512;

    /// <summary>Levels the entropy method assumes (ORT's num_quantized_bins: 128, as for 8-bit activations).</summary>
    public const int QuantizedBins = 128;

    private readonly int _initialBins;
    private long[] _bins = [];
    private long _pendingZeros;

    public ActivationHistogram(int initialBins)
    {
        if (initialBins < 4 || initialBins % 4 != 0)
            throw new ArgumentOutOfRangeException(nameof(initialBins), "Use a multiple of 4.");
        _initialBins = initialBins;
    }

    /// <summary>Half the covered range: bins cover [-Threshold, Threshold].</summary>
    public double Threshold { get; private set; }

    public double BinWidth => _bins.Length == 0 ? 0 : 2 * Threshold / _bins.Length;

    public ReadOnlySpan<long> Bins => _bins;

    public float Min { get; private set; } = float.PositiveInfinity;

    public float Max { get; private set; } = float.NegativeInfinity;

    public long Count { get; private set; }

    public void Add(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
            return;
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (var v in values)
        {
            if (v < lo)
                lo = v;
            if (v > hi)
                hi = v;
        }

        if (!float.IsFinite(lo) || !float.IsFinite(hi))
            throw new QuantizeException("The float model produced NaN or infinite activations on a calibration frame; the source model is broken.");
        Min = Math.Min(Min, lo);
        Max = Math.Max(Max, hi);
        Count += values.Length;
        var amax = Math.Max(-lo, hi);
        if (_bins.Length == 0)
        {
            if (amax == 0)
            {
                _pendingZeros += values.Length;
                return;
            }

            _bins = new long[_initialBins];
            Threshold = amax;
            _bins[_bins.Length / 2] += _pendingZeros;
            _pendingZeros = 0;
        }
        else if (amax > Threshold)
        {
            Grow(amax);
        }

        var width = BinWidth;
        var last = _bins.Length - 1;
        foreach (var v in values)
        {
            var index = (int)Math.Floor((v + Threshold) / width);
            _bins[Math.Clamp(index, 0, last)]++;
        }
    }

    /// <summary>Adds bins of the current width on both sides until <paramref name="amax"/> fits; merges pairs when too many.</summary>
    private void Grow(double amax)
    {
        var width = BinWidth;
        var extra = (int)Math.Min(MaxBins, Math.Floor((amax - Threshold) / width) + 1);
        while (_bins.Length + (2 * extra) > MaxBins)
        {
            MergePairs();
            width = BinWidth;
            extra = (int)Math.Min(MaxBins, Math.Floor((amax - Threshold) / width) + 1);
        }

        var grown = new long[_bins.Length + (2 * extra)];
        _bins.CopyTo(grown.AsSpan(extra));
        _bins = grown;
        Threshold += extra * width;
    }

    /// <summary>Halves the resolution: bin pairs merge; a bin of zeros is added on each side first if needed to keep zero on an edge.</summary>
    private void MergePairs()
    {
        var source = _bins;
        var threshold = Threshold;
        if (source.Length / 2 % 2 == 1)
        {
            var padded = new long[source.Length + 2];
            source.CopyTo(padded.AsSpan(1));
            threshold += BinWidth;
            source = padded;
        }

        var merged = new long[source.Length / 2];
        for (var i = 0; i < merged.Length; i++)
            merged[i] = source[2 * i] + source[(2 * i) + 1];
        _bins = merged;
        Threshold = threshold;
    }

    /// <summary>
    /// ORT's symmetric percentile: the smallest t with at least <paramref name="percentile"/> % of |x| in [0, t],
    /// range (-t, t) cut to the values actually seen. ORT takes the left edge of the bin where the cumulative share
    /// reaches the percentile; the right edge is used here, so the stated share really lies inside the range.
    /// </summary>
    public static TensorRange PercentileRange(ActivationHistogram histogram, double percentile)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram._bins.Length == 0)
            return new TensorRange(0, 0);
        var half = histogram._bins.Length / 2;
        var total = (double)histogram._bins.Sum();
        var target = percentile / 100.0 * total;
        double cumulative = 0;
        var width = histogram.BinWidth;
        var t = histogram.Threshold;
        for (var j = 0; j < half; j++)
        {
            cumulative += histogram._bins[half + j] + histogram._bins[half - 1 - j];
            if (cumulative >= target)
            {
                t = (j + 1) * width;
                break;
            }
        }

        return Clip(histogram, -t, t);
    }

    /// <summary>
    /// ORT's entropy (KL) threshold: for each symmetric window of 2i bins around zero (i from quantizedBins/2 to
    /// all), the reference p is the windowed histogram with the outliers added to its end bins, the candidate q is
    /// the window merged into <paramref name="quantizedBins"/> levels and spread back over its non-empty bins; both are
    /// smoothed (eps 1e-4) and the window with the least KL(p || q) wins. Unlike ORT, q is not truncated to integers
    /// and the window is exactly symmetric (ORT's has one extra bin on the right).
    /// </summary>
    public static TensorRange EntropyRange(ActivationHistogram histogram, int quantizedBins)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram._bins.Length == 0)
            return new TensorRange(0, 0);
        var hist = histogram._bins;
        var zero = hist.Length / 2;
        var halfQuantized = quantizedBins / 2;
        if (zero < halfQuantized)
            return Clip(histogram, -histogram.Threshold, histogram.Threshold);
        var prefix = new long[hist.Length + 1];
        for (var i = 0; i < hist.Length; i++)
            prefix[i + 1] = prefix[i] + hist[i];
        var p = new double[hist.Length];
        var q = new double[hist.Length];
        var bestKl = double.PositiveInfinity;
        var bestI = zero;
        for (var i = halfQuantized; i <= zero; i++)
        {
            var start = zero - i;
            var length = 2 * i;
            for (var j = 0; j < length; j++)
                p[j] = hist[start + j];
            p[0] += prefix[start];
            p[length - 1] += prefix[hist.Length] - prefix[start + length];

            var merged = length / quantizedBins;
            Array.Clear(q, 0, length);
            for (var level = 0; level < quantizedBins; level++)
            {
                var from = level * merged;
                var to = level == quantizedBins - 1 ? length : from + merged;
                double sum = 0;
                var nonZero = 0;
                for (var j = from; j < to; j++)
                {
                    sum += hist[start + j];
                    nonZero += p[j] != 0 ? 1 : 0;
                }

                if (nonZero == 0)
                    continue;
                for (var j = from; j < to; j++)
                    q[j] = sum / nonZero;
            }

            var kl = KlDivergence(p.AsSpan(0, length), q.AsSpan(0, length));
            if (kl < bestKl)
            {
                bestKl = kl;
                bestI = i;
            }
        }

        var t = bestI * histogram.BinWidth;
        return Clip(histogram, -t, t);
    }

    /// <summary>KL(p || q) after ORT's smooth_distribution (eps 1e-4 moved onto empty bins) and normalisation; infinite when either is all zero.</summary>
    internal static double KlDivergence(Span<double> p, Span<double> q)
    {
        if (!Smooth(p) || !Smooth(q))
            return double.PositiveInfinity;
        double sumP = 0, sumQ = 0;
        for (var j = 0; j < p.Length; j++)
        {
            sumP += p[j];
            sumQ += q[j];
        }

        double kl = 0;
        for (var j = 0; j < p.Length; j++)
        {
            var pj = p[j] / sumP;
            kl += pj * Math.Log(pj / (q[j] / sumQ));
        }

        return kl;
    }

    private static bool Smooth(Span<double> d)
    {
        const double Eps = 1e-4;
        var zeros = 0;
        foreach (var v in d)
            zeros += v == 0 ? 1 : 0;
        var nonZeros = d.Length - zeros;
        if (nonZeros == 0)
            return false;
        var eps1 = Eps * zeros / nonZeros;
        // ORT asserts that no bin goes non-positive; with fractional q (see EntropyRange) a tiny bin could, so it is floored.
        for (var j = 0; j < d.Length; j++)
            d[j] = d[j] == 0 ? Eps : Math.Max(d[j] - eps1, Eps * 1e-3);
        return true;
    }

    private static TensorRange Clip(ActivationHistogram h, double lo, double hi) =>
        new((float)Math.Max(lo, h.Min), (float)Math.Min(hi, h.Max));
}
