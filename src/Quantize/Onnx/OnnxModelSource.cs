using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Onnx;

/// <summary>
/// An existing ONNX model opened for rewriting: the graph protobuf is parsed (it is small when the weights are
/// external), initializer bytes are read on demand from the external data files, a slice at a time, so a model
/// of any size is never held in memory. OnnxSharp has no external-data loader, hence this one.
/// </summary>
internal sealed class OnnxModelSource : IDisposable
{
    private readonly Dictionary<string, FileStream> _dataFiles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> _initializers;

    private OnnxModelSource(string path, ModelProto model)
    {
        Path = path;
        Model = model;
        Directory = System.IO.Path.GetDirectoryName(path)!;
        _initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public string Path { get; }

    public string Directory { get; }

    public ModelProto Model { get; }

    public static OnnxModelSource Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new QuantizeException($"'{full}' does not exist.");
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(full);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new QuantizeException($"'{full}' is not a readable ONNX model ({e.Message}). Graphs over 2 GiB must keep their weights in external data.", e);
        }

        if (model.Graph is null)
            throw new QuantizeException($"'{full}' has no graph.");
        return new OnnxModelSource(full, model);
    }

    public bool TryGetInitializer(string name, out TensorProto tensor) => _initializers.TryGetValue(name, out tensor!);

    public static long ElementCount(TensorProto tensor) => tensor.Dims.Aggregate(1L, (a, b) => a * b);

    public static bool IsExternal(TensorProto tensor) => tensor.DataLocation == TensorProto.Types.DataLocation.External;

    /// <summary>Reads <paramref name="destination"/>.Length float elements starting at element <paramref name="firstElement"/>.</summary>
    public void ReadFloats(TensorProto tensor, long firstElement, Span<float> destination)
    {
        if ((DataType)tensor.DataType != DataType.Float)
            throw new QuantizeException($"Initializer '{tensor.Name}' is {(DataType)tensor.DataType}, not float.");
        if (firstElement + destination.Length > ElementCount(tensor))
            throw new ArgumentOutOfRangeException(nameof(firstElement), $"'{tensor.Name}' has {ElementCount(tensor)} elements.");
        if (IsExternal(tensor))
        {
            ReadExternal(tensor, firstElement * sizeof(float), MemoryMarshal.AsBytes(destination));
        }
        else if (!tensor.RawData.IsEmpty)
        {
            MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).Slice((int)firstElement, destination.Length).CopyTo(destination);
        }
        else
        {
            for (var i = 0; i < destination.Length; i++)
                destination[i] = tensor.FloatData[(int)firstElement + i];
        }
    }

    /// <summary>Streams an external initializer's bytes to <paramref name="consume"/> in chunks of at most 16 MiB.</summary>
    public void CopyExternalBytes(TensorProto tensor, Action<ReadOnlySpan<byte>> consume, CancellationToken cancellationToken)
    {
        var (_, _, length) = Location(tensor);
        var buffer = new byte[(int)Math.Min(length, 16 << 20)];
        for (long done = 0; done < length;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = (int)Math.Min(buffer.Length, length - done);
            ReadExternal(tensor, done, buffer.AsSpan(0, count));
            consume(buffer.AsSpan(0, count));
            done += count;
        }
    }

    private void ReadExternal(TensorProto tensor, long byteOffset, Span<byte> destination)
    {
        var (file, offset, length) = Location(tensor);
        if (byteOffset + destination.Length > length)
            throw new QuantizeException($"Initializer '{tensor.Name}' reads past its external data length {length}.");
        if (!_dataFiles.TryGetValue(file, out var stream))
        {
            if (!File.Exists(file))
                throw new QuantizeException($"External data file '{file}' of '{Path}' is missing: copy the .onnx_data file that belongs to the model next to it.");
            stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
            _dataFiles[file] = stream;
        }

        if (offset + length > stream.Length)
            throw new QuantizeException($"'{file}' is {stream.Length} bytes but initializer '{tensor.Name}' needs bytes {offset}..{offset + length}: the file is truncated.");
        stream.Position = offset + byteOffset;
        stream.ReadExactly(destination);
    }

    private (string File, long Offset, long Length) Location(TensorProto tensor)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location":
                    location = entry.Value;
                    break;
                case "offset":
                    offset = long.Parse(entry.Value, CultureInfo.InvariantCulture);
                    break;
                case "length":
                    length = long.Parse(entry.Value, CultureInfo.InvariantCulture);
                    break;
            }
        }

        if (location is null || location.Contains("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(location))
            throw new QuantizeException($"Initializer '{tensor.Name}' of '{Path}' has an invalid external data location '{location}'.");
        if (length < 0)
            length = ElementCount(tensor) * OnnxTypes.ByteSize((DataType)tensor.DataType);
        return (System.IO.Path.Combine(Directory, location), offset, length);
    }

    public void Dispose()
    {
        foreach (var stream in _dataFiles.Values)
            stream.Dispose();
        _dataFiles.Clear();
    }
}
