using EdgePali.Quantize.Onnx;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>An initializer's bytes, inline or from its external data file.</summary>
internal static class InitializerBytes
{
    public static byte[] Read(OnnxModelSource source, string name)
    {
        Assert.True(source.TryGetInitializer(name, out var tensor), name);
        if (!OnnxModelSource.IsExternal(tensor))
            return tensor.RawData.ToByteArray();
        var bytes = new List<byte>();
        source.CopyExternalBytes(tensor, chunk => bytes.AddRange(chunk.ToArray()), CancellationToken.None);
        return [.. bytes];
    }
}
