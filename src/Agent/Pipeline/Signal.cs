using System.Threading.Channels;

namespace EdgePali.Agent.Pipeline;

/// <summary>
/// An auto-reset wake-up for a background loop: many Set calls before a wait coalesce into one wake. Wakes the
/// scheduler when the gate has offered work or a question arrived, and the MQTT queue sender when a message is queued.
/// </summary>
internal sealed class Signal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Set() => _channel.Writer.TryWrite(true);

    /// <summary>Returns when set (true) or after <paramref name="timeout"/> (false).</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await _channel.Reader.ReadAsync(timeoutSource.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
