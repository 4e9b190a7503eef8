namespace EdgePali.Agent.Scheduling;

/// <summary>Wakes the scheduler when the gate has offered work or a question arrived; signals coalesce.</summary>
internal sealed class WorkSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);
    private readonly Lock _lock = new();

    public void Set()
    {
        lock (_lock)
        {
            if (_semaphore.CurrentCount == 0)
                _semaphore.Release();
        }
    }

    public void Dispose() => _semaphore.Dispose();

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);
}
