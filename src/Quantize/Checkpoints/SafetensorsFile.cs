using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace EdgePali.Quantize.Checkpoints;

/// <summary>
/// Reads one safetensors file (8-byte little-endian header length, JSON header, raw data section).
/// Tensors are read in slices with positional reads, so a 1 GB embedding never has to sit in memory whole.
/// Hand-written because no maintained .NET safetensors reader exists; the format is small and fully specified
/// (huggingface/safetensors README).
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100_000_000;
    private const int ReadChunkBytes = 1 << 20;

    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;

    private SafetensorsFile(string path, SafeFileHandle handle, long dataStart, IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens and validates the header: every tensor's dtype, size and byte range are checked against the file length.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException($"Safetensors file '{path}' does not exist.");
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var fileLength = RandomAccess.GetLength(handle);
            Span<byte> lengthBytes = stackalloc byte[8];
            if (fileLength < 8 || RandomAccess.Read(handle, lengthBytes, 0) != 8)
                throw new CheckpointException($"'{path}' is not a safetensors file: it is shorter than the 8-byte header length (truncated download?).");
            var headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
            if (headerLength <= 1 || headerLength > MaxHeaderBytes)
                throw new CheckpointException($"'{path}' is not a safetensors file: header length {headerLength} is implausible.");
            if (8 + headerLength > fileLength)
                throw new CheckpointException($"'{path}' is truncated: the header needs {8 + headerLength} bytes but the file has {fileLength}. Download it again.");
            var header = new byte[headerLength];
            RandomAccess.Read(handle, header, 8);
            var dataStart = 8 + headerLength;
            var (tensors, metadata) = ParseHeader(path, header, fileLength - dataStart);
            return new SafetensorsFile(path, handle, dataStart, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, SafetensorsTensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.AsMemory().TrimEnd((byte)' '));
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"'{path}' has a corrupt safetensors header (not valid JSON: {e.Message}).", e);
        }

        using (document)
        {
            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    foreach (var m in entry.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ToString();
                    continue;
                }

                tensors[entry.Name] = ParseTensor(path, entry, dataLength);
            }

            return (tensors, metadata);
        }
    }

    private static SafetensorsTensorInfo ParseTensor(string path, JsonProperty entry, long dataLength)
    {
        var name = entry.Name;
        if (!entry.Value.TryGetProperty("dtype", out var dtypeElement) || !entry.Value.TryGetProperty("shape", out var shapeElement) || !entry.Value.TryGetProperty("data_offsets", out var offsetsElement))
            throw new CheckpointException($"Tensor '{name}' in '{path}' lacks dtype, shape or data_offsets in the header.");
        var dtypeName = dtypeElement.GetString() ?? "";
        var dtype = CheckpointDTypes.FromSafetensorsName(dtypeName)
            ?? throw new CheckpointException($"Tensor '{name}' in '{path}' has dtype {dtypeName}; only BF16, F16 and F32 weights are supported. Convert the checkpoint (e.g. save it with torch_dtype=bfloat16).");
        var shape = shapeElement.EnumerateArray().Select(d => d.GetInt64()).ToArray();
        var offsets = offsetsElement.EnumerateArray().Select(d => d.GetInt64()).ToArray();
        var info = new SafetensorsTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
        if (offsets.Length != 2 || info.Begin < 0 || info.End < info.Begin)
            throw new CheckpointException($"Tensor '{name}' in '{path}' has invalid data_offsets.");
        if (info.End - info.Begin != info.ElementCount * dtype.ByteSize())
            throw new CheckpointException($"Tensor '{name}' in '{path}' declares shape {info.ShapeText} ({dtypeName}) but its byte range holds {info.End - info.Begin} bytes.");
        if (info.End > dataLength)
            throw new CheckpointException($"'{path}' is truncated: tensor '{name}' ends at byte {info.End} of the data section but only {dataLength} bytes are present. Download the file again.");
        return info;
    }

    /// <summary>Reads <paramref name="destination"/>.Length elements of a tensor starting at element <paramref name="firstElement"/>, widened to float32.</summary>
    public void ReadFloats(SafetensorsTensorInfo tensor, long firstElement, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (firstElement < 0 || firstElement + destination.Length > tensor.ElementCount)
            throw new ArgumentOutOfRangeException(nameof(firstElement), $"Slice outside tensor '{tensor.Name}'.");
        var elementSize = tensor.DType.ByteSize();
        var elementsPerChunk = ReadChunkBytes / elementSize;
        var buffer = ArrayPool<byte>.Shared.Rent(ReadChunkBytes);
        try
        {
            var done = 0;
            while (done < destination.Length)
            {
                var count = Math.Min(elementsPerChunk, destination.Length - done);
                var bytes = buffer.AsSpan(0, count * elementSize);
                var offset = _dataStart + tensor.Begin + ((firstElement + done) * elementSize);
                var read = 0;
                while (read < bytes.Length)
                {
                    var n = RandomAccess.Read(_handle, bytes[read..], offset + read);
                    if (n == 0)
                        throw new CheckpointException($"'{Path}' ended while reading tensor '{tensor.Name}' (truncated file).");
                    read += n;
                }

                CheckpointDTypes.ToFloat(tensor.DType, bytes, destination.Slice(done, count));
                done += count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _handle.Dispose();
}
