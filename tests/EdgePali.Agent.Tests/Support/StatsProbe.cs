using EdgePali.Agent.Publishing;
using Microsoft.Extensions.Hosting;

namespace EdgePali.Agent.Tests.Support;

/// <summary>Takes the worker's stats when the host begins to stop, for assertions after an in-process run.</summary>
public sealed class StatsProbe(IStatsSource stats) : IHostedService
{
    public AgentStats? Captured { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Captured = stats.GetStats();
        return Task.CompletedTask;
    }
}
