using Onnx;

namespace EdgePali.Quantize.Onnx;

/// <summary>
/// Streams initializer bytes into the model's `.onnx_data` file (onnx docs/ExternalData.md), each tensor starting
/// at a 4 KiB-aligned offset so runtimes can mmap it. Only the tensor being written is ever in memory.
/// </summary>
internal sealed class ExternalDataWriter : IDisposable
{
    public const int Alignment = 4096;

    private readonly FileStream _stream;

    public ExternalDataWriter(string path)
    {
        Path = path;
        FileName = System.IO.Path.GetFileName(path);
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
    }

    public string Path { get; }

    public string FileName { get; }

    public long Length => _stream.Length;

    /// <summary>Starts a tensor: pads to the next aligned offset and returns a sink that appends its bytes.</summary>
    public ExternalTensorSink Begin(TensorProto tensor)
    {
        var padding = (int)((Alignment - (_stream.Position % Alignment)) % Alignment);
        if (padding > 0)
            _stream.Write(new byte[padding]);
        return new ExternalTensorSink(this, tensor, _stream.Position);
    }

    internal void Append(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    internal void Finish(TensorProto tensor, long offset)
    {
        var length = _stream.Position - offset;
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = FileName });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    public void Flush() => _stream.Flush(flushToDisk: false);

    public void Dispose() => _stream.Dispose();
}

/// <summary>Appends one initializer's bytes to the external data file; <see cref="Complete"/> records its location.</summary>
internal sealed class ExternalTensorSink
{
    private readonly ExternalDataWriter _writer;
    private readonly TensorProto _tensor;
    private readonly long _offset;
    private readonly long _expectedBytes;
    private long _written;

    internal ExternalTensorSink(ExternalDataWriter writer, TensorProto tensor, long offset)
    {
        _writer = writer;
        _tensor = tensor;
        _offset = offset;
        _expectedBytes = tensor.Dims.Aggregate(1L, (a, b) => a * b) * OnnxTypes.ByteSize((TensorProto.Types.DataType)tensor.DataType);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        _writer.Append(bytes);
        _written += bytes.Length;
    }

    public void Write<T>(ReadOnlySpan<T> values)
        where T : unmanaged => Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));

    public void Complete()
    {
        if (_written != _expectedBytes)
            throw new InvalidOperationException($"Initializer '{_tensor.Name}' got {_written} bytes, its shape needs {_expectedBytes}.");
        _writer.Finish(_tensor, _offset);
    }
}
