namespace EdgePali.Bench;

/// <summary>Median, minimum and maximum of repeated measurements (the median resists the outliers a shared machine produces).</summary>
public sealed record SampleSummary(double Median, double Min, double Max, int Count)
{
    public static SampleSummary Of(IReadOnlyCollection<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            throw new ArgumentException("No samples to summarise.", nameof(samples));
        }

        var sorted = samples.Order().ToArray();
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new SampleSummary(median, sorted[0], sorted[^1], sorted.Length);
    }

    /// <summary>The same summary of a rate derived from these times (e.g. ms per token -> tokens per second): min and max swap.</summary>
    public SampleSummary Reciprocal(double scale) =>
        new(Median > 0 ? scale / Median : 0, Max > 0 ? scale / Max : 0, Min > 0 ? scale / Min : 0, Count);
}
