using System.Text;
using EdgePali.Agent.Mqtt.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgePali.Agent.Tests.Mqtt.Queue;

/// <summary>The durable queue on its own: order, bounds, and what survives a crash.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class OfflineQueueTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgepali-queue-").FullName;

    [Fact]
    public void Messages_ComeOutInOrder_AndLeaveOnlyWhenAcknowledged()
    {
        using var queue = Open();
        for (var i = 0; i < 5; i++)
        {
            queue.Append(Message(i));
        }

        var head = queue.Peek(3);
        Assert.Equal(["m0", "m1", "m2"], head.Select(Text));
        queue.Acknowledge(head[1].Index);
        Assert.Equal(["m2", "m3", "m4"], queue.Peek(10).Select(Text));
        Assert.Equal(3, queue.Counters.Messages);
    }

    [Fact]
    public void CrashBetweenPublishAndAcknowledge_ResendsTheMessage_AfterRestart()
    {
        var queue = Open();
        for (var i = 0; i < 4; i++)
        {
            queue.Append(Message(i));
        }

        queue.Acknowledge(queue.Peek(1)[0].Index);
        _ = queue.Peek(2); // "published" m1, m2 but the acks never came: the process dies here
        queue.Dispose();

        using var reopened = Open();
        Assert.Equal(["m1", "m2", "m3"], reopened.Peek(10).Select(Text));
        Assert.Equal("edgepali/dev1/front/caption", reopened.Peek(1)[0].Message.Topic);
        Assert.Equal(1, reopened.Peek(1)[0].Message.QualityOfService);
    }

    [Fact]
    public void TornRecordAtTheTail_IsCut_AndEverythingBeforeItSurvives()
    {
        var queue = Open();
        for (var i = 0; i < 3; i++)
        {
            queue.Append(Message(i));
        }

        queue.Dispose();
        var segment = Directory.GetFiles(_directory, "*.seg").Single();
        var length = new FileInfo(segment).Length;
        using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write([200, 0, 0, 0, 1, 2, 3, 4, 5]); // a header that promises 200 bytes, then the crash
        }

        using var reopened = Open();
        Assert.Equal(["m0", "m1", "m2"], reopened.Peek(10).Select(Text));
        Assert.Equal(length, new FileInfo(segment).Length);
        reopened.Append(Message(3));
        Assert.Equal(["m0", "m1", "m2", "m3"], reopened.Peek(10).Select(Text));
    }

    [Fact]
    public void WhenFull_TheOldestAreDropped_AndCounted_AcrossRestarts()
    {
        var queue = Open(maxMessages: 10);
        for (var i = 0; i < 25; i++)
        {
            queue.Append(Message(i));
        }

        Assert.Equal(Enumerable.Range(15, 10).Select(i => $"m{i}"), queue.Peek(100).Select(Text));
        Assert.Equal(15, queue.Counters.Dropped);
        queue.Dispose();
        using var reopened = Open(maxMessages: 10);
        Assert.Equal(15, reopened.Counters.Dropped);
        Assert.Equal(10, reopened.Counters.Messages);
    }

    [Fact]
    public void ByteBound_SpansSegments_AndDeletesConsumedSegments()
    {
        using var queue = Open(maxBytes: 256 * 1024, maxMessages: 1_000_000);
        var payload = new string('x', 1000);
        for (var i = 0; i < 1000; i++)
        {
            queue.Append(new QueuedMessage("t", Encoding.UTF8.GetBytes($"{i}:{payload}"), 1, false));
        }

        Assert.InRange(queue.Counters.Bytes, 200 * 1024, 256 * 1024);
        Assert.True(queue.Counters.Dropped > 700);
        while (!queue.IsEmpty)
        {
            var batch = queue.Peek(50);
            queue.Acknowledge(batch[^1].Index);
        }

        Assert.Single(Directory.GetFiles(_directory, "*.seg"));
    }

    private OfflineQueue Open(long maxBytes = 1024 * 1024, long maxMessages = 1000) =>
        new(_directory, maxBytes, maxMessages, NullLogger.Instance);

    private static QueuedMessage Message(int i) => new("edgepali/dev1/front/caption", Encoding.UTF8.GetBytes($"m{i}"), 1, false);

    private static string Text(QueuedEntry entry) => Encoding.UTF8.GetString(entry.Message.Payload.Span);
}
