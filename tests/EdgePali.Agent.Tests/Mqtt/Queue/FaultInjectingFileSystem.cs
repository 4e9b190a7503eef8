
using EdgePali.Agent.Mqtt.Queue;

namespace EdgePali.Agent.Tests.Mqtt.Queue;

/// <summary>
/// The offline queue's files, failing on demand as a sick disk does: a full disk that takes only part of a write
/// (ENOSPC), an fsync or a truncation that fails (EIO), reads that fail. Real files underneath; only the failures are
/// simulated, because disks that fail when a test says so cannot exist here.
/// </summary>
internal sealed class FaultInjectingFileSystem : QueueFileSystem
{
    /// <summary>Bytes the "disk" still takes; a write beyond them writes what fits, then fails with ENOSPC. Null: unlimited.</summary>
    public long? SpaceLeft { get; set; }

    /// <summary>fsync fails with EIO (the data may or may not have reached the disk).</summary>
    public bool FailFsync { get; set; }

    /// <summary>Truncating a file fails with EIO.</summary>
    public bool FailTruncate { get; set; }

    /// <summary>Reads of segment files fail with EIO.</summary>
    public bool FailReads { get; set; }

    public override FileStream Open(string path, FileMode mode, FileAccess access) => new FaultyStream(this, path, mode, access);

    private sealed class FaultyStream(FaultInjectingFileSystem disk, string path, FileMode mode, FileAccess access)
        : FileStream(path, mode, access, FileShare.Read | FileShare.Delete, bufferSize: 0)
    {
        private readonly bool _segment = path.EndsWith(".seg", StringComparison.Ordinal);

        // FileStream subclasses route span calls through the array overloads; the faults live in those.
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            // Only segment writes need new blocks; the offset file is rewritten in place.
            if (_segment && disk.SpaceLeft is { } left && count > left)
            {
                base.Write(buffer, offset, (int)left);
                disk.SpaceLeft = 0;
                throw new IOException("No space left on device");
            }

            if (_segment)
                disk.SpaceLeft -= count;
            base.Write(buffer, offset, count);
        }

        public override void Flush(bool flushToDisk)
        {
            if (flushToDisk && disk.FailFsync)
                throw new IOException("Input/output error");
            base.Flush(flushToDisk);
        }

        public override void SetLength(long value)
        {
            if (disk.FailTruncate)
                throw new IOException("Input/output error");
            base.SetLength(value);
        }

        public override int Read(Span<byte> buffer)
        {
            var array = new byte[buffer.Length];
            var read = Read(array, 0, array.Length);
            array.AsSpan(0, read).CopyTo(buffer);
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_segment && disk.FailReads)
                throw new IOException("Input/output error");
            return base.Read(buffer, offset, count);
        }
    }
}
