using EdgePali.Agent.Pipeline;
using Prometheus;

namespace EdgePali.Agent.Metrics;

/// <summary>
/// The worker's Prometheus metrics (prometheus-net, served at /metrics). A registry per host rather than
/// prometheus-net's static default one, so hosts started side by side (tests) do not add up each other's figures.
/// Stage latencies are histograms, observed as each stage finishes; everything else is read from the stats when
/// scraped (<see cref="AgentMetricsCollector"/>).
/// </summary>
internal sealed class MetricsRegistry : IStageDurationObserver
{
    private readonly Histogram _stageSeconds;

    public MetricsRegistry()
    {
        Factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _stageSeconds = Factory.CreateHistogram("edgepali_stage_duration_seconds",
            "Time spent per pipeline stage: wait (frame age at analysis), preprocess, vision, prefill, decode, total, publish.",
            new HistogramConfiguration
            {
                LabelNames = ["stage"],
                // 1 ms to ~65 s: a publish takes milliseconds, a 3B model's answer on a Pi tens of seconds.
                Buckets = Histogram.ExponentialBuckets(0.001, 2, 17),
            });
    }

    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    public IMetricFactory Factory { get; }

    public void ObserveStage(string stage, double milliseconds) => _stageSeconds.WithLabels(stage).Observe(milliseconds / 1000);
}
