using System.Text.Json.Nodes;
using EdgePali.Vision.Packages;

namespace EdgePali.Vision.Tests.Packages;

/// <summary>edgepali.json has one shape: what a writer leaves empty stays out of the file, and bad entries are named.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class PackageManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgepali-manifest-").FullName;

    [Fact]
    public void WrittenManifest_ReadsBack_AndOmitsWhatTheWriterDidNotFill()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{}");
        var written = new PackageManifest
        {
            Builder = "edgepali-quantize",
            BuilderVersion = "1.2.3",
            WeightFormat = "int8",
            ImageSize = 224,
            ImageTokens = 256,
            Graph = "fused",
            Layers = [new ManifestLayerFormat("layers.0.o_proj", "int8")],
            Files = [ManifestFile.Describe(_dir, "config.json")],
        };

        written.Write(_dir);
        var read = PackageManifest.Read(_dir);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, PackageFiles.Manifest)))!.AsObject();

        Assert.Equal(("int8", 224, "fused"), (read.WeightFormat, read.ImageSize, read.GraphLayout));
        Assert.Equal(written.Layers, read.Layers);
        Assert.Equal(new ManifestFile("config.json", 2, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"), Assert.Single(read.Files));
        Assert.False(json.ContainsKey("nodes"));
        Assert.False(json.ContainsKey("source_package"));
        Assert.False(json.ContainsKey("weight_mix"));
        Assert.Equal(PackageManifest.StandardGraph, (written with { Graph = null }).GraphLayout);
    }

    [Fact]
    public void FileEntryWithoutSha256_IsRefusedNamingTheManifest()
    {
        File.WriteAllText(Path.Combine(_dir, PackageFiles.Manifest), """{"files": [{"path": "config.json", "bytes": 2}]}""");

        var ex = Assert.Throws<ModelPackageException>(() => PackageManifest.TryRead(_dir));
        Assert.Contains("is not a valid edgepali.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FindFile_AcceptsEitherSeparator()
    {
        var manifest = new PackageManifest { Files = [new ManifestFile("onnx/embed_tokens.onnx", 1, "ab")] };

        Assert.NotNull(manifest.FindFile("onnx\\embed_tokens.onnx"));
        Assert.NotNull(manifest.FindFile("./onnx/embed_tokens.onnx"));
        Assert.Null(manifest.FindFile("onnx/decoder_model_merged.onnx"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
