using EdgePali.Quantize.Rewriting.Qdq;

namespace EdgePali.Quantize.Tests.Rewriting.Qdq;

/// <summary>The pure parts of QDQ calibration: scale/zero point, QuantizeLinear rounding, histogram growth, percentile and entropy ranges.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class QdqCalibrationMathTests
{
    [Fact]
    public void FromRange_Uint8Asymmetric_IncludesZero_AndMatchesOrtsFormula()
    {
        var p = QuantParameters.FromRange(-1, 3, QuantType.UInt8, symmetric: false);
        Assert.Equal(4f / 255, p.Scale, 6);
        Assert.Equal(64, p.ZeroPoint); // round(0 - (-1) / (4/255)) = round(63.75)
        var positive = QuantParameters.FromRange(2, 5, QuantType.UInt16, symmetric: false);
        Assert.Equal(5f / 65535, positive.Scale, 9);
        Assert.Equal(0, positive.ZeroPoint); // the range is widened to include 0
    }

    [Fact]
    public void FromRange_Int8Symmetric_UsesTheRestrictedRange_WithZeroPointZero()
    {
        var p = QuantParameters.FromRange(-0.5, 2.54, QuantType.Int8, symmetric: true);
        Assert.Equal(0, p.ZeroPoint);
        Assert.Equal(2.54f / 127, p.Scale, 6);
        Assert.Equal(127, p.Quantize(2.54f));
        Assert.Equal(-127, p.Quantize(-100f)); // saturates at -127, not -128
    }

    [Fact]
    public void FromRange_AllZero_GivesScaleOne_SoZeroStaysExact()
    {
        var p = QuantParameters.FromRange(0, 0, QuantType.UInt8, symmetric: false);
        Assert.Equal(1f, p.Scale);
        Assert.Equal(0f, p.Dequantize(p.Quantize(0f)));
    }

    [Theory]
    [InlineData(0.5f, 0)] // ties go to even
    [InlineData(1.5f, 2)]
    [InlineData(2.5f, 2)]
    [InlineData(-0.5f, 0)]
    [InlineData(300f, 255)]
    [InlineData(-3f, 0)]
    public void Quantize_RoundsHalfToEven_AndSaturates_AsQuantizeLinear(float x, long expected)
    {
        var p = new QuantParameters(1f, 0, QuantType.UInt8, false);
        Assert.Equal(expected, p.Quantize(x));
    }

    [Fact]
    public void Histogram_GrowsWithoutLosingCounts_AndKeepsZeroOnABinEdge()
    {
        var h = new ActivationHistogram(16);
        h.Add([0f, 0f]);
        h.Add([-1f, 1f, 0.25f]);
        Assert.Equal(16, h.Bins.Length);
        h.Add([3.9f]);
        Assert.True(h.Threshold >= 3.9);
        Assert.Equal(6, h.Bins.ToArray().Sum());
        Assert.Equal(0, h.Bins.Length % 2);
        var half = h.Bins.Length / 2;
        Assert.Equal(2, h.Bins[half]); // the zeros, in the bin starting at 0 (width 0.125 from the first inputs' range)
        Assert.Equal(1, h.Bins[half + 2]); // 0.25
        Assert.Equal(-1f, h.Min);
        Assert.Equal(3.9f, h.Max);
    }

    [Fact]
    public void Histogram_MergesBinPairs_WhenAnOutlierWouldNeedTooManyBins()
    {
        var h = new ActivationHistogram(16);
        h.Add([-0.01f, 0.01f]);
        h.Add([1000f]);
        Assert.InRange(h.Bins.Length, 16, ActivationHistogram.MaxBins);
        Assert.True(h.Threshold >= 1000);
        Assert.Equal(3, h.Bins.ToArray().Sum());
    }

    [Fact]
    public void Percentile_CutsTheRareLargestValues_AndNeverWidensBeyondWhatWasSeen()
    {
        var h = new ActivationHistogram(ActivationHistogram.DefaultBins);
        var values = Enumerable.Range(0, 10000).Select(i => i / 10000f).ToArray(); // uniform in [0, 1)
        values[^1] = 50f; // one outlier
        h.Add(values);
        var range = ActivationHistogram.PercentileRange(h, 99.9);
        Assert.Equal(0f, range.Min); // the symmetric -t is cut to the smallest value seen
        Assert.InRange(range.Max, 0.99f, 1.05f);
        Assert.Equal(new TensorRange(0f, 50f), ActivationHistogram.PercentileRange(h, 100));
    }

    [Fact]
    public void Entropy_ClipsAFarOutlier_ButKeepsTheBulkOfAGaussian()
    {
        var random = new Random(5);
        var values = new float[200000];
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        values[0] = 40f;
        var h = new ActivationHistogram(ActivationHistogram.EntropyBins);
        h.Add(values);
        var range = ActivationHistogram.EntropyRange(h, ActivationHistogram.QuantizedBins);
        Assert.InRange(range.Max, 2.5f, 39f);
        Assert.Equal(h.Min, range.Min); // the symmetric threshold is wider than the negative tail: cut to what was seen
    }

    [Fact]
    public void KlDivergence_IsZeroForIdenticalDistributions_AndPositiveOtherwise()
    {
        Assert.Equal(0, ActivationHistogram.KlDivergence(new double[] { 1, 2, 3 }, new double[] { 2, 4, 6 }), 9);
        Assert.True(ActivationHistogram.KlDivergence(new double[] { 1, 2, 3 }, new double[] { 3, 2, 1 }) > 0.1);
        Assert.True(double.IsPositiveInfinity(ActivationHistogram.KlDivergence(new double[] { 0, 0 }, new double[] { 1, 1 })));
    }

    [Fact]
    public void MinMax_KeepsTheExtremes_OverSeveralInputs()
    {
        var collector = RangeCollector.Create(CalibrationMethod.MinMax, 99.999);
        collector.Add([1f, 2f]);
        collector.Add([-3f, 0.5f]);
        Assert.Equal(new TensorRange(-3f, 2f), collector.Range());
    }
}
