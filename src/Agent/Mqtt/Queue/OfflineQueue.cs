using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Mqtt.Queue;

/// <summary>
/// A durable FIFO of MQTT messages on disk, bounded by bytes and count, that survives a crash or restart.
/// <para>
/// Layout: append-only segment files (<c>{id:D12}.seg</c>) of records <c>[int32 length][uint32 crc32][payload]</c>,
/// and <c>consumer.offset</c> holding where the oldest unacknowledged record starts. A message is fsync'd before
/// <see cref="Append"/> returns, and the offset moves only after the broker acknowledged the message
/// (<see cref="Acknowledge"/>), so a crash between publish and acknowledgement re-sends it (at least once)
/// rather than losing it. When full, the oldest messages are dropped and counted.
/// </para>
/// <para>
/// Disk faults: a failed append is cut back off the segment (or, if even that fails, the segment is abandoned), so the
/// files never hold bytes the index does not know; the message then waits in memory, in order, and is written as soon
/// as the disk takes writes again (only a stop before that loses it). Every read is checked against the record's CRC;
/// a damaged record is skipped, counted and logged, never sent and never allowed to stop the sender. At start, a torn
/// record at the very end (a crash mid-write) is cut off, and damage in the middle of a segment is skipped up to the
/// next intact record.
/// </para>
/// Written here rather than taken from a library: the embedded queues on NuGet are either not durable per
/// message or bring a database; this needs a few hundred lines with the exact guarantees above.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue, and the project's architecture names it so.")]
public sealed class OfflineQueue : IDisposable
{
    private const int HeaderBytes = 8;
    private const int MinPayloadBytes = 5;
    private const int OffsetFileBytes = 36;
    private const byte FormatVersion = 1;
    private const byte RetainFlag = 1;
    private const byte DeferredFlag = 2;
    private const string SegmentExtension = ".seg";
    private const string OffsetFileName = "consumer.offset";

    /// <summary>Reads of the head that fail with an I/O error before it is given up as damaged: a passing error is retried, a bad sector is not forever.</summary>
    private const int ReadAttempts = 3;

    private readonly Lock _gate = new();
    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly long _maxMessages;
    private readonly long _segmentBytes;
    private readonly ILogger _logger;
    private readonly QueueFileSystem _files;

    /// <summary>Records on disk, oldest first.</summary>
    private readonly Queue<RecordRef> _records = new();

    /// <summary>Records younger than every record on disk that could not be written yet (disk full, I/O error), oldest first.</summary>
    private readonly Queue<PendingRecord> _pending = new();
    private readonly SortedSet<long> _segments = [];
    private readonly FileStream _offsetFile;
    private FileStream? _writer;
    private long _writerSegment;
    private long _writerLength;
    private long _nextIndex;
    private long _bytes;
    private long _dropped;
    private long _corrupt;
    private FileStream? _reader;
    private long _readerSegment = -1;
    private long _unreadableIndex = -1;
    private int _unreadableAttempts;
    private bool _disposed;

    /// <summary>Opens (or creates) the queue in <paramref name="directory"/>, recovering what a previous run left.</summary>
    public OfflineQueue(string directory, long maxBytes, long maxMessages, ILogger logger)
        : this(directory, maxBytes, maxMessages, logger, QueueFileSystem.Default)
    {
    }

    internal OfflineQueue(string directory, long maxBytes, long maxMessages, ILogger logger, QueueFileSystem files)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        _directory = directory;
        _maxBytes = maxBytes;
        _maxMessages = maxMessages;
        _segmentBytes = Math.Clamp(maxBytes / 8, 64 * 1024, 4 * 1024 * 1024);
        _logger = logger;
        _files = files;
        Directory.CreateDirectory(directory);
        _offsetFile = _files.Open(Path.Combine(directory, OffsetFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite);
        Recover();
    }

    /// <summary>Messages waiting, bytes, and the dropped/corrupt counters.</summary>
    public OfflineQueueCounters Counters
    {
        get
        {
            lock (_gate)
            {
                return new OfflineQueueCounters(Count, _bytes, _dropped, _corrupt);
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
                return Count == 0;
            }
        }
    }

    /// <summary>Messages waiting only in memory because the disk refused them; they are written as soon as it takes writes again.</summary>
    public int NotYetDurable
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    private int Count => _records.Count + _pending.Count;

    /// <summary>
    /// Writes the message durably (fsync) at the tail, first dropping the oldest messages if the bounds require.
    /// Returns how many were dropped. If the disk refuses the write, the message is kept in memory, behind the
    /// others, until a later append or <see cref="Peek"/> manages to write it (logged). Throws ArgumentException
    /// for a message larger than the whole queue.
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
            while (Count > 0 && (Count + 1 > _maxMessages || _bytes + record.Length > _maxBytes))
            {
                DropOldest();
                dropped++;
            }

            if (dropped > 0)
            {
                _dropped += dropped;
                SaveProgress();
            }

            _pending.Enqueue(new PendingRecord(_nextIndex++, record));
            _bytes += record.Length;
            WritePending();
            return dropped;
        }
    }

    /// <summary>
    /// Up to <paramref name="max"/> messages from the head, oldest first, without removing them. Records that fail
    /// their checksum or cannot be read are removed (counted as corrupt, logged) instead of being returned.
    /// </summary>
    public IReadOnlyList<QueuedEntry> Peek(int max)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            WritePending();
            var entries = new List<QueuedEntry>(Math.Min(max, Count));
            foreach (var record in _records)
            {
                if (entries.Count == max)
                {
                    return entries;
                }

                var (message, readError) = TryRead(record);
                if (message is null)
                {
                    // Return what comes before the bad record; it is dealt with once it is the head.
                    if (entries.Count > 0)
                    {
                        return entries;
                    }

                    _unreadableAttempts = _unreadableIndex == record.Index ? _unreadableAttempts + 1 : 1;
                    _unreadableIndex = record.Index;
                    if (readError && _unreadableAttempts < ReadAttempts)
                    {
                        return entries; // empty: the sender waits and asks again
                    }

                    RemoveDamagedHead();
                    return Peek(max);
                }

                entries.Add(new QueuedEntry(record.Index, message));
            }

            foreach (var pending in _pending)
            {
                if (entries.Count == max)
                {
                    break;
                }

                entries.Add(new QueuedEntry(pending.Index, Decode(pending.Record)));
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
            while (Count > 0 && HeadIndex <= index)
            {
                DropOldest();
                removed = true;
            }

            if (removed)
            {
                SaveProgress();
            }
        }
    }

    /// <summary>
    /// Moves the head message (<paramref name="index"/>), which keeps failing to send, behind every other message,
    /// once: younger messages go first. Returns false, removing it, when it had been deferred before (it is poison:
    /// the caller logs and counts it). A crash during the move leaves it at both places (sent twice), never at none.
    /// </summary>
    public bool Defer(long index)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Count == 0 || HeadIndex != index)
            {
                return true;
            }

            var message = _records.Count > 0 ? TryRead(_records.Peek()).Message : Decode(_pending.Peek().Record);
            if (message is { Deferred: false })
            {
                var record = Encode(message with { Deferred = true });
                _pending.Enqueue(new PendingRecord(_nextIndex++, record));
                _bytes += record.Length;
                WritePending();
            }

            DropOldest();
            SaveProgress();
            return message is { Deferred: false };
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
            if (_pending.Count > 0)
            {
                _logger.LogError("Offline queue {Directory}: {Messages} messages could not be written to disk (it refused writes) and are lost with this stop", _directory, _pending.Count);
            }

            _writer?.Dispose();
            _offsetFile.Dispose();
            _reader?.Dispose();
        }
    }

    private long HeadIndex => _records.Count > 0 ? _records.Peek().Index : _pending.Peek().Index;

    private static byte[] Encode(QueuedMessage message)
    {
        var topicBytes = Encoding.UTF8.GetByteCount(message.Topic);
        var payloadLength = MinPayloadBytes + topicBytes + message.Payload.Length;
        var record = new byte[HeaderBytes + payloadLength];
        var payload = record.AsSpan(HeaderBytes);
        payload[0] = FormatVersion;
        payload[1] = (byte)message.QualityOfService;
        payload[2] = (byte)((message.Retain ? RetainFlag : 0) | (message.Deferred ? DeferredFlag : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(payload[3..], checked((ushort)topicBytes));
        Encoding.UTF8.GetBytes(message.Topic, payload.Slice(MinPayloadBytes, topicBytes));
        message.Payload.Span.CopyTo(payload[(MinPayloadBytes + topicBytes)..]);
        BinaryPrimitives.WriteInt32LittleEndian(record, payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.HashToUInt32(payload));
        return record;
    }

    /// <summary>Decodes a record whose checksum was verified.</summary>
    private static QueuedMessage Decode(byte[] record)
    {
        var payload = record.AsSpan(HeaderBytes);
        var topicBytes = BinaryPrimitives.ReadUInt16LittleEndian(payload[3..]);
        var topic = Encoding.UTF8.GetString(payload.Slice(MinPayloadBytes, topicBytes));
        var body = record.AsMemory(HeaderBytes + MinPayloadBytes + topicBytes);
        return new QueuedMessage(topic, body, payload[1], (payload[2] & RetainFlag) != 0, (payload[2] & DeferredFlag) != 0);
    }

    /// <summary>True when <paramref name="data"/> holds an intact record at <paramref name="position"/>; its length is returned.</summary>
    private static bool IsIntactRecord(ReadOnlySpan<byte> data, long position, out int recordLength)
    {
        recordLength = 0;
        if (data.Length - position < HeaderBytes + MinPayloadBytes)
        {
            return false;
        }

        var header = data.Slice((int)position, HeaderBytes);
        var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (payloadLength < MinPayloadBytes || payloadLength > data.Length - position - HeaderBytes)
        {
            return false;
        }

        var payload = data.Slice((int)position + HeaderBytes, payloadLength);
        if (payload[0] != FormatVersion || MinPayloadBytes + BinaryPrimitives.ReadUInt16LittleEndian(payload[3..]) > payloadLength ||
            Crc32.HashToUInt32(payload) != BinaryPrimitives.ReadUInt32LittleEndian(header[4..]))
        {
            return false;
        }

        recordLength = HeaderBytes + payloadLength;
        return true;
    }

    private void DropOldest()
    {
        if (_records.Count > 0)
        {
            _bytes -= _records.Dequeue().Length;
        }
        else
        {
            _bytes -= _pending.Dequeue().Record.Length;
        }
    }

    /// <summary>Writes the records waiting in memory, oldest first, until the disk refuses one.</summary>
    private void WritePending()
    {
        var wasFailing = _pending.Count > 1;
        var written = 0;
        while (_pending.Count > 0)
        {
            var pending = _pending.Peek();
            if (!TryWrite(pending, out var error))
            {
                if (_pending.Count == 1 || written > 0)
                {
                    // Logged when an episode starts, not for every message of it.
                    _logger.LogError("Offline queue {Directory}: cannot write to disk ({Error}); {Messages} results wait in memory, in order, until it takes writes again (they are lost if the agent stops first). Free space or check the disk.",
                        _directory, error, _pending.Count);
                }

                return;
            }

            _pending.Dequeue();
            written++;
        }

        if (wasFailing && written > 0)
        {
            _logger.LogWarning("Offline queue {Directory}: the disk takes writes again; {Messages} results kept in memory are now on disk", _directory, written);
        }
    }

    /// <summary>Appends one record and fsyncs it; on failure cuts the segment back (or abandons it) so no unknown bytes stay.</summary>
    private bool TryWrite(PendingRecord pending, out string error)
    {
        error = "";
        var record = pending.Record;
        try
        {
            // No writer: the last segment was abandoned after a failed write it could not cut back.
            if (_writer is null || (_writerLength > 0 && _writerLength + record.Length > _segmentBytes))
            {
                StartSegment(_writerSegment + 1);
            }

            var position = _writerLength;
            try
            {
                _writer!.Position = position;
                _writer.Write(record);
                _writer.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                CutBack(position);
                throw;
            }

            _records.Enqueue(new RecordRef(pending.Index, _writerSegment, position, record.Length));
            _writerLength = position + record.Length;
            return true;
        }
        catch (IOException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>Removes a failed write's bytes; if the file refuses even that, stops writing to it (the next write opens a new segment).</summary>
    private void CutBack(long position)
    {
        try
        {
            _writer!.SetLength(position);
            _writer.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            _logger.LogWarning("Offline queue segment {Segment}: could not cut a failed write back off ({Error}); later messages go to a new segment", _writerSegment, e.Message);
            _writer!.Dispose();
            _writer = null;
        }
    }

    /// <summary>Opens <paramref name="segment"/> for appending; the current writer stays when that fails.</summary>
    private void StartSegment(long segment)
    {
        var writer = _files.Open(SegmentPath(segment), FileMode.OpenOrCreate, FileAccess.Write);
        _writer?.Dispose();
        _writer = writer;
        _writerSegment = segment;
        _writerLength = writer.Length;
        _segments.Add(segment);
    }

    /// <summary>Reads and checks a record; no message when it fails its checksum, or cannot be read (<c>ReadError</c>).</summary>
    private (QueuedMessage? Message, bool ReadError) TryRead(RecordRef record)
    {
        try
        {
            if (_readerSegment != record.Segment)
            {
                _reader?.Dispose();
                _reader = null;
                _reader = _files.Open(SegmentPath(record.Segment), FileMode.Open, FileAccess.Read);
                _readerSegment = record.Segment;
            }

            var buffer = new byte[record.Length];
            _reader!.Position = record.Position;
            _reader.ReadExactly(buffer);
            if (IsIntactRecord(buffer, 0, out var length) && length == record.Length)
            {
                return (Decode(buffer), false);
            }

            _logger.LogError("Offline queue segment {Segment}: the record at byte {Position} fails its checksum (damaged on disk); it is skipped", record.Segment, record.Position);
            return (null, false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _reader?.Dispose();
            _reader = null;
            _readerSegment = -1;
            _logger.LogError("Offline queue segment {Segment}: the record at byte {Position} cannot be read ({Error}); it is skipped after {Attempts} failed reads", record.Segment, record.Position, e.Message, ReadAttempts);
            return (null, true);
        }
    }

    private void RemoveDamagedHead()
    {
        _corrupt++;
        DropOldest();
        SaveProgress();
    }

    /// <summary>Persists the consumer offset and deletes consumed segments; failures only mean re-sending after a restart.</summary>
    private void SaveProgress()
    {
        try
        {
            PersistOffset();
        }
        catch (IOException e)
        {
            _logger.LogWarning("Offline queue {Directory}: could not record which messages were delivered ({Error}); after a restart some may be sent again", _directory, e.Message);
        }

        DeleteConsumedSegments();
    }

    /// <summary>Rebuilds the in-memory index from disk: skips what was acknowledged, cuts a torn tail, skips damage.</summary>
    private void Recover()
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
                    _files.Delete(path);
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

        StartSegment(last < 0 ? Math.Max(headSegment, 1) : last);
    }

    private void ScanSegment(long segment, long start, bool isLast)
    {
        byte[] data;
        using (var stream = _files.Open(SegmentPath(segment), FileMode.Open, FileAccess.Read))
        {
            data = new byte[stream.Length];
            stream.ReadExactly(data);
        }

        var position = start;
        while (position < data.Length)
        {
            if (IsIntactRecord(data, position, out var recordLength))
            {
                _records.Enqueue(new RecordRef(_nextIndex++, segment, position, recordLength));
                _bytes += recordLength;
                position += recordLength;
                continue;
            }

            // Damage: find the next intact record (a CRC match at a wrong place is a 1 in 4 billion chance).
            var next = position + 1;
            while (next < data.Length && !IsIntactRecord(data, next, out _))
            {
                next++;
            }

            if (next >= data.Length && isLast)
            {
                // Nothing intact follows at the end of the newest segment: a crash mid-append left a partial record.
                _logger.LogWarning("Offline queue segment {Segment}: cutting a torn record at byte {Position} (an interrupted write)", segment, position);
                using var stream = _files.Open(SegmentPath(segment), FileMode.Open, FileAccess.Write);
                stream.SetLength(position);
                stream.Flush(flushToDisk: true);
                return;
            }

            _corrupt++;
            _logger.LogError("Offline queue segment {Segment}: bytes {Position}..{End} are damaged; the message(s) there are lost, the rest is kept", segment, position, next);
            position = next;
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
                _logger.LogWarning("Offline queue {Directory}: the consumer offset is unreadable; re-sending from the oldest segment (subscribers may see messages again)", _directory);
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
            : (_writerSegment, _writerLength, _pending.Count > 0 ? _pending.Peek().Index : _nextIndex);
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

            try
            {
                _files.Delete(SegmentPath(segment));
            }
            catch (IOException e)
            {
                // Harmless: the next start deletes segments older than the offset.
                _logger.LogWarning("Offline queue: could not delete consumed segment {Segment} ({Error})", segment, e.Message);
            }
        }
    }

    private string SegmentPath(long segment) =>
        Path.Combine(_directory, segment.ToString("D12", CultureInfo.InvariantCulture) + SegmentExtension);

    private readonly record struct RecordRef(long Index, long Segment, long Position, int Length);

    private readonly record struct PendingRecord(long Index, byte[] Record);
}
