using System.Collections.Concurrent;
using System.Text;
using EdgePali.Agent.Mqtt.Messages;
using EdgePali.Agent.Mqtt.Queue;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;
using EdgePali.Vision.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Mqtt;

/// <summary>
/// The MQTT end of the pipeline. Every result goes through the durable offline queue (fsync'd before
/// <see cref="PublishAsync"/> returns), so order is kept and nothing is lost while the broker is away; the
/// sender drains it. Snapshots, label counts, detection events and motion are latest-value topics.
/// </summary>
internal sealed class MqttResultPublisher : IResultPublisher, IMotionStatePublisher
{
    private static readonly byte[] On = Encoding.ASCII.GetBytes("ON");
    private static readonly byte[] Off = Encoding.ASCII.GetBytes("OFF");

    private readonly OfflineQueue _queue;
    private readonly OfflineQueueSender _sender;
    private readonly RetainedTopics _retained;
    private readonly MqttTopics _topics;
    private readonly MqttCounters _counters;
    private readonly MqttOptions _options;
    private readonly ILogger<MqttResultPublisher> _logger;
    private readonly ConcurrentDictionary<string, LabelCounts> _counts = new(StringComparer.Ordinal);

    public MqttResultPublisher(OfflineQueue queue, OfflineQueueSender sender, RetainedTopics retained, MqttTopics topics,
        MqttCounters counters, IOptions<MqttOptions> options, ILogger<MqttResultPublisher> logger)
    {
        _queue = queue;
        _sender = sender;
        _retained = retained;
        _topics = topics;
        _counters = counters;
        _options = options.Value;
        _logger = logger;
    }

    public ValueTask PublishAsync(PublishedResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        cancellationToken.ThrowIfCancellationRequested();
        var topic = _topics.Result(result.Camera, result.TaskName);
        var dropped = _queue.Append(new QueuedMessage(topic, ResultJson.Result(result), _options.Qos, Retain: false));
        if (dropped > 0)
        {
            _logger.LogWarning("Offline queue full (Mqtt:QueueMaxMessages {MaxMessages}, Mqtt:QueueMaxBytes {MaxBytes}): dropped the {Dropped} oldest results; {Total} dropped so far",
                _options.QueueMaxMessages, _options.QueueMaxBytes, dropped, _queue.Counters.Dropped);
        }

        _sender.Wake();
        if (result.SnapshotJpeg is { } jpeg)
        {
            PublishSnapshot(result.Camera, jpeg);
        }

        if (result.Result.Task is DetectTask or SegmentTask)
        {
            var counts = _counts.GetOrAdd(result.Camera, _ => new LabelCounts()).Update(DashboardJson.CountByLabel(result.Result));
            _retained.Set(_topics.Counts(result.Camera), DashboardJson.Counts(counts));
            if (result.Result.Objects.Count > 0)
            {
                _retained.Set(_topics.Events(result.Camera), DashboardJson.Detection(result), retain: false, sticky: false);
            }
        }

        return ValueTask.CompletedTask;
    }

    public void MotionChanged(string camera, bool active) =>
        _retained.Set(_topics.Motion(camera), active ? On : Off);

    private void PublishSnapshot(string camera, ReadOnlyMemory<byte> jpeg)
    {
        var fitted = SnapshotFitter.Fit(jpeg, _options.SnapshotMaxBytes);
        if (fitted is null)
        {
            _counters.AddSnapshotTooLarge();
            _logger.LogWarning("Snapshot of camera {Camera} ({Bytes} bytes) could not be brought under Mqtt:SnapshotMaxBytes {MaxBytes}; not sent",
                camera, jpeg.Length, _options.SnapshotMaxBytes);
            return;
        }

        _retained.Set(_topics.Snapshot(camera), fitted);
    }
}
