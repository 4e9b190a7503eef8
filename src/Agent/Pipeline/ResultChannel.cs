using System.Threading.Channels;

namespace EdgePali.Agent.Pipeline;

/// <summary>
/// The Infer -> Publish hand-over: bounded, and the scheduler waits when it is full (a result is never
/// dropped: it is rare and costly), which in turn holds new frames back in the latest-frame slots.
/// </summary>
internal sealed class ResultChannel
{
    public const int Capacity = 32;

    private readonly Channel<AnalysisOutcome> _channel = Channel.CreateBounded<AnalysisOutcome>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = false });

    public ChannelWriter<AnalysisOutcome> Writer => _channel.Writer;

    public ChannelReader<AnalysisOutcome> Reader => _channel.Reader;

    public int Depth => _channel.Reader.Count;
}
