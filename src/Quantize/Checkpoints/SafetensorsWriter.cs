using System.Buffers;
using System.Text.Json;

namespace EdgePali.Quantize.Checkpoints;

/// <summary>
/// Writes a safetensors file whose tensors are declared up front and then streamed in declaration order, so a
/// multi-gigabyte checkpoint is written without holding any whole tensor in memory.
/// </summary>
public sealed class SafetensorsWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly List<SafetensorsTensorInfo> _tensors;
    private readonly CheckpointDType _dtype;
    private int _current;
    private long _writtenInCurrent;

    public SafetensorsWriter(string path, IEnumerable<(string Name, long[] Shape)> tensors, CheckpointDType dtype, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _dtype = dtype;
        var list = new List<SafetensorsTensorInfo>();
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            var bytes = shape.Aggregate(1L, (a, b) => a * b) * dtype.ByteSize();
            list.Add(new SafetensorsTensorInfo(name, dtype, shape, offset, offset + bytes));
            offset += bytes;
        }

        _tensors = list;
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        var header = BuildHeader(list, metadata ?? new Dictionary<string, string> { ["format"] = "pt" });
        Span<byte> length = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, header.Length);
        _stream.Write(length);
        _stream.Write(header);
        SkipEmpty();
    }

    public long DataBytes => _tensors.Count == 0 ? 0 : _tensors[^1].End;

    private static byte[] BuildHeader(IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata)
                writer.WriteString(key, value);
            writer.WriteEndObject();
            foreach (var t in tensors)
            {
                writer.WriteStartObject(t.Name);
                writer.WriteString("dtype", t.DType.SafetensorsName());
                writer.WriteStartArray("shape");
                foreach (var d in t.Shape)
                    writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(t.Begin);
                writer.WriteNumberValue(t.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        // The data section starts 8-byte aligned (the format pads the header with spaces).
        var length = (int)json.Length;
        var padded = (length + 8 + 7) / 8 * 8 - 8;
        var header = new byte[padded];
        json.GetBuffer().AsSpan(0, length).CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    /// <summary>Appends values to the current tensor; moves to the next tensor when this one is full.</summary>
    public void Write(ReadOnlySpan<float> values)
    {
        var elementSize = _dtype.ByteSize();
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(values.Length, 1 << 18) * elementSize);
        try
        {
            while (!values.IsEmpty)
            {
                if (_current >= _tensors.Count)
                    throw new InvalidOperationException("More values written than the declared tensors hold.");
                var tensor = _tensors[_current];
                var remaining = tensor.ElementCount - _writtenInCurrent;
                var count = (int)Math.Min(Math.Min(remaining, values.Length), buffer.Length / elementSize);
                var bytes = buffer.AsSpan(0, count * elementSize);
                CheckpointDTypes.FromFloat(_dtype, values[..count], bytes);
                _stream.Write(bytes);
                values = values[count..];
                _writtenInCurrent += count;
                if (_writtenInCurrent == tensor.ElementCount)
                {
                    _current++;
                    _writtenInCurrent = 0;
                    SkipEmpty();
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void SkipEmpty()
    {
        while (_current < _tensors.Count && _tensors[_current].ElementCount == 0)
            _current++;
    }

    /// <summary>Flushes; throws if a declared tensor was not fully written.</summary>
    public void Complete()
    {
        if (_current != _tensors.Count)
            throw new InvalidOperationException($"Tensor '{_tensors[_current].Name}' was not fully written.");
        _stream.Flush(flushToDisk: false);
    }

    public void Dispose() => _stream.Dispose();
}
