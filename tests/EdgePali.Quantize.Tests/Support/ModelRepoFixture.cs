using System.Text;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>
/// A folder laid out like a transformers.js model repository, generated once per test class: small JSON files
/// kept in git and random-content "ONNX" files from 40 KB to 2.5 MB served as LFS files, plus an empty file.
/// </summary>
public sealed class ModelRepoFixture : IDisposable
{
    public ModelRepoFixture()
    {
        Folder = Directory.CreateTempSubdirectory("edgepali-hub-source-").FullName;
        var random = new Random(8);
        Write("config.json", Encoding.UTF8.GetBytes("{\n  \"model_type\": \"paligemma\",\n  \"projection_dim\": 2048\n}\n"));
        Write("README.md", Encoding.UTF8.GetBytes("# tiny test model\n"));
        Write(".gitattributes", Encoding.UTF8.GetBytes("*.onnx filter=lfs diff=lfs merge=lfs -text\n"));
        Write("empty.txt", []);
        Write("tokenizer.json", RandomBytes(random, 40 * 1024));
        Write("onnx/vision_encoder.onnx", RandomBytes(random, 1_500_000));
        Write("onnx/vision_encoder_int8.onnx", RandomBytes(random, 600_000));
        Write("onnx/embed_tokens_int8.onnx", RandomBytes(random, 300_000));
        Write("onnx/decoder_model_merged_int8.onnx", RandomBytes(random, 2_500_000));
        Write("onnx/decoder_model_merged.onnx", RandomBytes(random, 900_000));
    }

    public string Folder { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private void Write(string path, byte[] bytes)
    {
        var full = Path.Combine(Folder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
