using EdgePali.Agent.Health;
using Microsoft.Extensions.Hosting;

namespace EdgePali.Agent.Tests.Support;

/// <summary>
/// Registered last, so it starts after every other service: tells the test when the worker is up, and takes
/// the worker's stats when the host begins to stop, for assertions after an in-process run.
/// </summary>
public sealed class StatsProbe(IStatsSource stats) : IHostedService
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AgentStats? Captured { get; private set; }

    /// <summary>Completes once every service of the worker has started.</summary>
    public Task Started => _started.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started.TrySetResult();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Captured = stats.GetStats();
        return Task.CompletedTask;
    }
}
