using System.Text;
using EdgePali.Agent.Mqtt.Queue;
using EdgePali.Agent.Tests.Support;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Tests.Mqtt.Queue;

/// <summary>
/// The offline queue on a sick disk: full mid-record, failing fsync and truncation, unreadable or damaged records, a
/// corrupt offset file. Nothing is lost or reordered beyond what docs/mqtt.md promises (a repeat after a failure),
/// every fault is logged, and no fault escapes as an exception that would stop the sender.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class OfflineQueueFaultTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgepali-queue-faults-").FullName;
    private readonly FaultInjectingFileSystem _disk = new();
    // Every test here provokes what the worker must report as an error (refused or undeliverable messages, disk faults).
    private readonly TestLoggerProvider _log = new TestLoggerProvider().ExpectErrors();

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        _log.Dispose();
    }

    [Fact]
    public void DiskFullMidRecord_LeavesNoPartialBytes_KeepsTheMessagesInOrder_AndWritesThemWhenSpaceReturns()
    {
        var queue = Open();
        queue.Append(Message(0));
        queue.Append(Message(1));
        var segment = Directory.GetFiles(_directory, "*.seg").Single();
        var written = new FileInfo(segment).Length;

        _disk.SpaceLeft = 5; // the next record gets 5 bytes in, then ENOSPC
        queue.Append(Message(2));
        queue.Append(Message(3));

        Assert.Equal(written, new FileInfo(segment).Length); // the partial record was cut back off
        Assert.Equal(2, queue.NotYetDurable);
        Assert.Equal(["m0", "m1", "m2", "m3"], queue.Peek(10).Select(Text));
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("cannot write to disk (No space left on device)", StringComparison.Ordinal));

        _disk.SpaceLeft = null; // space was freed
        queue.Append(Message(4));
        Assert.Equal(0, queue.NotYetDurable);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("takes writes again", StringComparison.Ordinal));
        queue.Dispose();

        using var reopened = Open();
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], reopened.Peek(10).Select(Text));
    }

    [Fact]
    public void FsyncAndTruncationFailing_AbandonsTheSegment_AndNothingIsLostOrReordered()
    {
        var queue = Open();
        queue.Append(Message(0));
        _disk.FailFsync = true;
        _disk.FailTruncate = true;
        queue.Append(Message(1)); // written but not known to be durable, and cannot be cut back
        Assert.Equal(1, queue.NotYetDurable);
        _disk.FailFsync = false;
        _disk.FailTruncate = false;
        queue.Append(Message(2));
        Assert.Equal(0, queue.NotYetDurable);
        Assert.Equal(["m0", "m1", "m2"], queue.Peek(10).Select(Text));
        Assert.Equal(2, Directory.GetFiles(_directory, "*.seg").Length); // the next writes went to a fresh segment
        queue.Dispose();

        // After a restart the abandoned copy of m1 may come back as a repeat, never out of order, nothing missing.
        using var reopened = Open();
        var texts = reopened.Peek(10).Select(Text).ToList();
        Assert.Equal(["m0", "m1", "m2"], texts.Distinct());
        Assert.Equal(texts.Order(StringComparer.Ordinal), texts);
    }

    [Fact]
    public void UnreadableHead_IsRetried_ThenSkippedAsDamaged_WithoutThrowing()
    {
        using var queue = Open();
        queue.Append(Message(0));
        queue.Append(Message(1));

        _disk.FailReads = true;
        Assert.Empty(queue.Peek(10)); // a passing read error: nothing is dropped yet
        _disk.FailReads = false;
        Assert.Equal(["m0", "m1"], queue.Peek(10).Select(Text));

        _disk.FailReads = true;
        Assert.Empty(queue.Peek(10));
        Assert.Empty(queue.Peek(10));
        var afterThirdFailure = queue.Peek(10); // m0 is given up, then m1 cannot be read either (first failure)
        _disk.FailReads = false;
        Assert.Empty(afterThirdFailure);
        Assert.Equal(["m1"], queue.Peek(10).Select(Text));
        Assert.Equal(1, queue.Counters.Corrupt);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("cannot be read (Input/output error)", StringComparison.Ordinal));
    }

    [Fact]
    public void RecordDamagedOnDiskWhileRunning_FailsItsChecksum_AndIsSkipped()
    {
        using var queue = Open();
        for (var i = 0; i < 3; i++)
            queue.Append(Message(i));
        var segment = Directory.GetFiles(_directory, "*.seg").Single();
        var recordLength = new FileInfo(segment).Length / 3;
        Flip(segment, recordLength + recordLength - 1); // the last payload byte of m1

        Assert.Equal(["m0"], queue.Peek(10).Select(Text)); // what comes before the damage
        queue.Acknowledge(queue.Peek(1)[0].Index);
        Assert.Equal(["m2"], queue.Peek(10).Select(Text));
        Assert.Equal(1, queue.Counters.Corrupt);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("fails its checksum", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)] // the length field: the old scanner took it for a torn tail and cut everything after it
    [InlineData(9)] // a payload byte
    public void DamageMidSegment_AtStart_LosesOnlyTheDamagedRecord(int byteInRecord)
    {
        var queue = Open();
        for (var i = 0; i < 5; i++)
            queue.Append(Message(i));
        queue.Dispose();
        var segment = Directory.GetFiles(_directory, "*.seg").Single();
        var recordLength = new FileInfo(segment).Length / 5;
        Flip(segment, (2 * recordLength) + byteInRecord); // m2

        using var reopened = Open();
        Assert.Equal(["m0", "m1", "m3", "m4"], reopened.Peek(10).Select(Text));
        Assert.Equal(1, reopened.Counters.Corrupt);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("are damaged", StringComparison.Ordinal));
        reopened.Append(Message(5));
        Assert.Equal(["m0", "m1", "m3", "m4", "m5"], reopened.Peek(10).Select(Text));
    }

    [Fact]
    public void CorruptOffsetFile_ResendsFromTheOldestSegment_NothingLost()
    {
        var queue = Open();
        for (var i = 0; i < 5; i++)
            queue.Append(Message(i));
        queue.Acknowledge(queue.Peek(2)[1].Index);
        queue.Dispose();
        File.WriteAllBytes(Path.Combine(_directory, "consumer.offset"), Enumerable.Repeat((byte)0x5A, 36).ToArray());

        using var reopened = Open();
        var texts = reopened.Peek(10).Select(Text).ToList();
        Assert.Equal(["m2", "m3", "m4"], texts.TakeLast(3)); // everything not yet delivered, in order
        Assert.Equal(texts.Order(StringComparer.Ordinal), texts); // delivered ones may come again, before them
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("consumer offset is unreadable", StringComparison.Ordinal));
    }

    [Fact]
    public void Defer_MovesTheHeadBehindTheOthersOnce_ThenDropsIt()
    {
        using var queue = Open();
        for (var i = 0; i < 3; i++)
            queue.Append(Message(i));

        Assert.True(queue.Defer(queue.Peek(1)[0].Index));
        var entries = queue.Peek(10);
        Assert.Equal(["m1", "m2", "m0"], entries.Select(Text));
        Assert.True(entries[^1].Message.Deferred);
        queue.Acknowledge(entries[1].Index);
        Assert.False(queue.Defer(queue.Peek(1)[0].Index)); // deferred already: dropped
        Assert.True(queue.IsEmpty);
    }

    private static void Flip(string path, long position)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        file.Position = position;
        var value = file.ReadByte();
        file.Position = position;
        file.WriteByte((byte)(value ^ 0xFF));
    }

    private OfflineQueue Open() =>
        new(_directory, 1024 * 1024, 1000, _log.CreateLogger("queue"), _disk);

    private static QueuedMessage Message(int i) => new("edgepali/dev1/front/caption", Encoding.UTF8.GetBytes($"m{i}"), 1, false);

    private static string Text(QueuedEntry entry) => Encoding.UTF8.GetString(entry.Message.Payload.Span);
}
