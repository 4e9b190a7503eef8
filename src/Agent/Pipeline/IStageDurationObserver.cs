namespace EdgePali.Agent.Pipeline;

/// <summary>Sees every stage time <see cref="StageLatencies"/> records (the /metrics histograms), without the pipeline knowing who listens.</summary>
internal interface IStageDurationObserver
{
    void ObserveStage(string stage, double milliseconds);
}
