using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgePali.Quantize.Vae;

/// <summary>
/// Reads and writes NumPy .npz archives (a zip of .npy files, as numpy.savez writes them) holding float
/// arrays. Hand-written because no maintained .NET package on the feed reads .npy, and the format is small:
/// "\x93NUMPY", version, a little-endian header length, a Python dict literal with descr/fortran_order/shape,
/// then the raw data (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
/// Only what weight files use is supported: little-endian float16/32/64, C order; anything else is
/// rejected with a message naming the array.
/// </summary>
public static partial class NpzFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads every array in <paramref name="path"/>, keyed by name (without ".npy").</summary>
    /// <exception cref="InvalidDataException">The file is not an npz, or an array is in an unsupported format.</exception>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not an .npz file (a zip of .npy arrays): {e.Message}", e);
        }

        using (zip)
        {
            var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                    continue;
                var name = entry.FullName[..^4];
                using var stream = entry.Open();
                using var buffer = new MemoryStream(checked((int)entry.Length));
                stream.CopyTo(buffer);
                arrays[name] = ReadNpy(name, buffer.GetBuffer().AsSpan(0, (int)buffer.Length), path);
            }

            return arrays;
        }
    }

    /// <summary>Writes <paramref name="arrays"/> as float32 .npy entries (format 1.0), as numpy.savez would.</summary>
    public static void Write(string path, IEnumerable<NpyArray> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var array in arrays)
        {
            using var stream = zip.CreateEntry(array.Name + ".npy", CompressionLevel.NoCompression).Open();
            WriteNpy(stream, array);
        }
    }

    private static NpyArray ReadNpy(string name, ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"Array '{name}' in '{path}' is not a .npy array (bad magic).");
        var major = bytes[6];
        int headerLength, headerStart;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
            headerStart = 10;
        }
        else if (major is 2 or 3 && bytes.Length >= 12)
        {
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]));
            headerStart = 12;
        }
        else
        {
            throw new InvalidDataException($"Array '{name}' in '{path}' uses .npy format version {major}, which is not supported.");
        }

        if (headerStart + headerLength > bytes.Length)
            throw new InvalidDataException($"Array '{name}' in '{path}' is truncated (header).");
        var header = Encoding.Latin1.GetString(bytes.Slice(headerStart, headerLength));
        var descr = DescrPattern().Match(header);
        var order = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !order.Success || !shapeMatch.Success)
            throw new InvalidDataException($"Array '{name}' in '{path}' has an unreadable .npy header: {header.Trim()}");
        if (order.Groups[1].Value == "True")
            throw new InvalidDataException($"Array '{name}' in '{path}' is stored in Fortran order; save it in C order (numpy.ascontiguousarray).");

        var shape = shapeMatch.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.Parse(d, NumberStyles.None, CultureInfo.InvariantCulture))
            .ToArray();
        long count = 1;
        foreach (var d in shape)
            count = checked(count * d);

        var data = bytes[(headerStart + headerLength)..];
        var values = new float[count];
        var type = descr.Groups[1].Value;
        var elementSize = type switch
        {
            "<f4" => 4,
            "<f8" => 8,
            "<f2" => 2,
            _ => throw new InvalidDataException($"Array '{name}' in '{path}' has dtype '{type}'; only little-endian float16/32/64 are supported."),
        };
        if (data.Length < count * elementSize)
            throw new InvalidDataException($"Array '{name}' in '{path}' is truncated: {data.Length} bytes for {count} values of '{type}'.");
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = elementSize switch
            {
                4 => BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]),
                8 => (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..]),
                _ => (float)BinaryPrimitives.ReadHalfLittleEndian(data[(i * 2)..]),
            };
        }

        return new NpyArray(name, shape, values);
    }

    private static void WriteNpy(Stream stream, NpyArray array)
    {
        var shape = array.Shape.Length == 1 ? $"({array.Shape[0]},)" : "(" + string.Join(", ", array.Shape) + ")";
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        // Data starts at a multiple of 64 bytes and the header ends with '\n', as numpy writes it.
        var padded = ((10 + header.Length + 1 + 63) / 64 * 64) - 10;
        header = header.PadRight(padded - 1) + "\n";
        Span<byte> prefix = stackalloc byte[10];
        Magic.CopyTo(prefix);
        prefix[6] = 1;
        prefix[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)header.Length);
        stream.Write(prefix);
        stream.Write(Encoding.Latin1.GetBytes(header));
        var data = new byte[array.Data.Length * 4];
        for (var i = 0; i < array.Data.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), array.Data[i]);
        stream.Write(data);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
