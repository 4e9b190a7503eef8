using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace EdgePali.Agent.Publishing.Mqtt.Queue;

/// <summary>
/// A durable FIFO of MQTT messages on disk, bounded by bytes and count, that survives a crash or restart.
/// <para>
/// Layout: append-only segment files (<c>{id:D12}.seg</c>) of records <c>[int32 length][uint32 crc32][payload]</c>,
/// and <c>consumer.offset</c> holding where the oldest unacknowledged record starts. A message is fsync'd before
/// <see cref="Append"/> returns, and the offset moves only after the broker acknowledged the message
/// (<see cref="Acknowledge"/>), so a crash between publish and acknowledgement re-sends it (at least once)
/// rather than losing it. A record torn by a crash mid-write is detected by its length or CRC and cut off.
/// When full, the oldest messages are dropped and counted.
/// </para>
/// Written here rather than taken from a library: the embedded queues on NuGet are either not durable per
/// message or bring a database; this needs ~300 lines with the exact guarantees above.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue, and the project's architecture names it so.")]
public sealed class OfflineQueue : IDisposable
{
    private const int HeaderBytes = 8;
    private const int OffsetFileBytes = 36;
    private const byte FormatVersion = 1;
    private const string SegmentExtension = ".seg";
    private const string OffsetFileName = "consumer.offset";

    private readonly Lock _gate = new();
    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly long _maxMessages;
    private readonly long _segmentBytes;
    private readonly ILogger _logger;
    private readonly Queue<RecordRef> _records = new();
    private readonly SortedSet<long> _segments = [];
    private readonly FileStream _offsetFile;
    private FileStream _writer;
    private long _writerSegment;
    private long _nextIndex;
    private long _bytes;
    private long _dropped;
    private long _corrupt;
    private SafeFileHandle? _reader;
    private long _readerSegment = -1;
    private bool _disposed;

    /// <summary>Opens (or creates) the queue in <paramref name="directory"/>, recovering what a previous run left.</summary>
    public OfflineQueue(string directory, long maxBytes, long maxMessages, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        _directory = directory;
        _maxBytes = maxBytes;
        _maxMessages = maxMessages;
        _segmentBytes = Math.Clamp(maxBytes / 8, 64 * 1024, 4 * 1024 * 1024);
        _logger = logger;
        Directory.CreateDirectory(directory);
        _offsetFile = new FileStream(Path.Combine(directory, OffsetFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        _writer = Recover();
    }

    /// <summary>Messages waiting, bytes, and the dropped/corrupt counters.</summary>
    public OfflineQueueCounters Counters
    {
        get
        {
            lock (_gate)
            {
                return new OfflineQueueCounters(_records.Count, _bytes, _dropped, _corrupt);
            }
        }
    }

    /// <summary>True when nothing waits.</summary>
    public bool IsEmpty
    {
        get
        {
            lock (_gate)
            {
                return _records.Count == 0;
            }
        }
    }

    /// <summary>
    /// Writes the message durably (fsync) at the tail, first dropping the oldest messages if the bounds
    /// require. Returns how many were dropped. Throws ArgumentException for a message larger than the whole queue.
    /// </summary>
    public int Append(QueuedMessage message)
    {
        var record = Encode(message);
        if (record.Length > _maxBytes)
        {
            throw new ArgumentException($"A {record.Length}-byte message for '{message.Topic}' does not fit in the offline queue ({_maxBytes} bytes); raise Mqtt:QueueMaxBytes.", nameof(message));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var dropped = 0;
            while (_records.Count > 0 && (_records.Count + 1 > _maxMessages || _bytes + record.Length > _maxBytes))
            {
                var head = _records.Dequeue();
                _bytes -= head.Length;
                _dropped++;
                dropped++;
            }

            if (dropped > 0)
            {
                PersistOffset();
                DeleteConsumedSegments();
            }

            if (_writer.Length > 0 && _writer.Length + record.Length > _segmentBytes)
            {
                _writer.Dispose();
                _writerSegment++;
                _segments.Add(_writerSegment);
                _writer = OpenWriter(_writerSegment);
            }

            var position = _writer.Length;
            _writer.Write(record);
            _writer.Flush(flushToDisk: true);
            _records.Enqueue(new RecordRef(_nextIndex++, _writerSegment, position, record.Length));
            _bytes += record.Length;
            return dropped;
        }
    }

    /// <summary>Up to <paramref name="max"/> messages from the head, oldest first, without removing them.</summary>
    public IReadOnlyList<QueuedEntry> Peek(int max)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var entries = new List<QueuedEntry>(Math.Min(max, _records.Count));
            foreach (var record in _records)
            {
                if (entries.Count == max)
                {
                    break;
                }

                entries.Add(new QueuedEntry(record.Index, Decode(ReadRecord(record))));
            }

            return entries;
        }
    }

    /// <summary>Removes every message up to and including <paramref name="index"/> (delivered), durably. Messages already dropped are ignored.</summary>
    public void Acknowledge(long index)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var removed = false;
            while (_records.Count > 0 && _records.Peek().Index <= index)
            {
                _bytes -= _records.Dequeue().Length;
                removed = true;
            }

            if (removed)
            {
                PersistOffset();
                DeleteConsumedSegments();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _writer.Dispose();
            _offsetFile.Dispose();
            _reader?.Dispose();
        }
    }

    private static byte[] Encode(QueuedMessage message)
    {
        var topicBytes = Encoding.UTF8.GetByteCount(message.Topic);
        var payloadLength = 5 + topicBytes + message.Payload.Length;
        var record = new byte[HeaderBytes + payloadLength];
        var payload = record.AsSpan(HeaderBytes);
        payload[0] = FormatVersion;
        payload[1] = (byte)message.QualityOfService;
        payload[2] = message.Retain ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(payload[3..], checked((ushort)topicBytes));
        Encoding.UTF8.GetBytes(message.Topic, payload.Slice(5, topicBytes));
        message.Payload.Span.CopyTo(payload[(5 + topicBytes)..]);
        BinaryPrimitives.WriteInt32LittleEndian(record, payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.HashToUInt32(payload));
        return record;
    }

    private static QueuedMessage Decode(byte[] record)
    {
        var payload = record.AsSpan(HeaderBytes);
        if (payload[0] != FormatVersion)
        {
            throw new InvalidDataException($"Offline queue record format {payload[0]} is not {FormatVersion}.");
        }

        var topicBytes = BinaryPrimitives.ReadUInt16LittleEndian(payload[3..]);
        var topic = Encoding.UTF8.GetString(payload.Slice(5, topicBytes));
        var body = record.AsMemory(HeaderBytes + 5 + topicBytes);
        return new QueuedMessage(topic, body, payload[1], payload[2] == 1);
    }

    private byte[] ReadRecord(RecordRef record)
    {
        if (_readerSegment != record.Segment)
        {
            _reader?.Dispose();
            _reader = File.OpenHandle(SegmentPath(record.Segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _readerSegment = record.Segment;
        }

        var buffer = new byte[record.Length];
        var read = RandomAccess.Read(_reader!, buffer, record.Position);
        if (read != buffer.Length)
        {
            throw new InvalidDataException($"Offline queue segment {record.Segment} ended early at {record.Position}.");
        }

        return buffer;
    }

    /// <summary>Rebuilds the in-memory index from disk: skips what was acknowledged, cuts a torn tail.</summary>
    private FileStream Recover()
    {
        var (headSegment, headPosition, headIndex, dropped) = ReadOffset();
        _dropped = dropped;
        _nextIndex = headIndex;
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + SegmentExtension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                if (id < headSegment)
                {
                    File.Delete(path);
                }
                else
                {
                    _segments.Add(id);
                }
            }
        }

        var last = _segments.Count > 0 ? _segments.Max : -1;
        foreach (var segment in _segments)
        {
            var start = segment == headSegment ? headPosition : 0;
            ScanSegment(segment, start, isLast: segment == last);
        }

        if (_records.Count > 0)
        {
            _logger.LogInformation("Offline queue {Directory}: {Messages} messages ({Bytes} bytes) from a previous run will be sent first", _directory, _records.Count, _bytes);
        }

        if (last < 0)
        {
            last = Math.Max(headSegment, 1);
            _segments.Add(last);
        }

        _writerSegment = last;
        return OpenWriter(last);
    }

    private void ScanSegment(long segment, long start, bool isLast)
    {
        using var stream = new FileStream(SegmentPath(segment), FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        var length = stream.Length;
        var header = new byte[HeaderBytes];
        var position = start;
        while (position < length)
        {
            stream.Position = position;
            var payloadLength = length - position >= HeaderBytes && stream.Read(header) == HeaderBytes
                ? BinaryPrimitives.ReadInt32LittleEndian(header)
                : -1;
            if (payloadLength < 5 || position + HeaderBytes + payloadLength > length)
            {
                // A crash mid-append leaves a partial record at the tail; anything else is damage.
                if (isLast)
                {
                    _logger.LogWarning("Offline queue segment {Segment}: cutting a torn record at byte {Position} (an interrupted write)", segment, position);
                    stream.SetLength(position);
                    stream.Flush(flushToDisk: true);
                }
                else
                {
                    _corrupt++;
                    _logger.LogError("Offline queue segment {Segment} is damaged at byte {Position}; the rest of that segment is skipped", segment, position);
                }

                return;
            }

            var payload = new byte[payloadLength];
            stream.ReadExactly(payload);
            var recordLength = HeaderBytes + payloadLength;
            if (Crc32.HashToUInt32(payload) != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)))
            {
                _corrupt++;
                _logger.LogError("Offline queue segment {Segment}: record at byte {Position} fails its checksum and is skipped", segment, position);
            }
            else
            {
                _records.Enqueue(new RecordRef(_nextIndex++, segment, position, recordLength));
                _bytes += recordLength;
            }

            position += recordLength;
        }
    }

    private (long Segment, long Position, long Index, long Dropped) ReadOffset()
    {
        var buffer = new byte[OffsetFileBytes];
        _offsetFile.Position = 0;
        if (_offsetFile.Length < OffsetFileBytes || _offsetFile.Read(buffer) != OffsetFileBytes ||
            Crc32.HashToUInt32(buffer.AsSpan(0, 32)) != BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(32)))
        {
            if (_offsetFile.Length > 0)
            {
                // Re-sending from the oldest segment duplicates messages but loses none.
                _logger.LogWarning("Offline queue {Directory}: the consumer offset is unreadable; re-sending from the oldest segment", _directory);
            }

            return (0, 0, 0, 0);
        }

        return (BinaryPrimitives.ReadInt64LittleEndian(buffer),
                BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(8)),
                BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(16)),
                BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(24)));
    }

    private void PersistOffset()
    {
        var (segment, position, index) = _records.Count > 0
            ? (_records.Peek().Segment, _records.Peek().Position, _records.Peek().Index)
            : (_writerSegment, _writer.Length, _nextIndex);
        Span<byte> buffer = stackalloc byte[OffsetFileBytes];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, segment);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[8..], position);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[16..], index);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[24..], _dropped);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[32..], Crc32.HashToUInt32(buffer[..32]));
        _offsetFile.Position = 0;
        _offsetFile.Write(buffer);
        _offsetFile.Flush(flushToDisk: true);
    }

    private void DeleteConsumedSegments()
    {
        var headSegment = _records.Count > 0 ? _records.Peek().Segment : _writerSegment;
        while (_segments.Count > 0 && _segments.Min < headSegment)
        {
            var segment = _segments.Min;
            _segments.Remove(segment);
            if (segment == _readerSegment)
            {
                _reader?.Dispose();
                _reader = null;
                _readerSegment = -1;
            }

            File.Delete(SegmentPath(segment));
        }
    }

    private FileStream OpenWriter(long segment) =>
        new(SegmentPath(segment), FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete);

    private string SegmentPath(long segment) =>
        Path.Combine(_directory, segment.ToString("D12", CultureInfo.InvariantCulture) + SegmentExtension);

    private readonly record struct RecordRef(long Index, long Segment, long Position, int Length);
}
