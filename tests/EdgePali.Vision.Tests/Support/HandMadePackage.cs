using System.Text.Json.Nodes;
using Google.Protobuf;
using Onnx;

namespace EdgePali.Vision.Tests.Support;

/// <summary>
/// A package folder written by hand in a temp directory, for testing how broken packages are refused:
/// a small PaliGemma-shaped config and whatever ONNX bytes a test wants. Deleted on dispose.
/// </summary>
internal sealed class HandMadePackage : IDisposable
{
    public const int ImageSize = 28;
    public const int PatchSize = 14;
    public const int Hidden = 32;
    public const int Layers = 2;
    public const int KvHeads = 1;
    public const int HeadDim = 16;

    public HandMadePackage()
    {
        Directory = Path.Combine(Path.GetTempPath(), "edgepali-pkg-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "onnx"));
        Config = new JsonObject
        {
            ["model_type"] = "paligemma",
            ["image_token_index"] = 257152,
            ["hidden_size"] = 2048, // stale top-level value, as in PaliGemma 2 configs: must be ignored
            ["text_config"] = new JsonObject
            {
                ["model_type"] = "gemma",
                ["hidden_size"] = Hidden,
                ["num_hidden_layers"] = Layers,
                ["num_attention_heads"] = 2,
                ["num_key_value_heads"] = KvHeads,
                ["head_dim"] = HeadDim,
                ["vocab_size"] = 257216,
            },
            ["vision_config"] = new JsonObject
            {
                ["image_size"] = ImageSize,
                ["patch_size"] = PatchSize,
                ["hidden_size"] = 24,
                ["num_attention_heads"] = 2,
            },
        };
        Preprocessor = new JsonObject
        {
            ["size"] = new JsonObject { ["height"] = ImageSize, ["width"] = ImageSize },
            ["image_mean"] = new JsonArray(0.5, 0.5, 0.5),
            ["image_std"] = new JsonArray(0.5, 0.5, 0.5),
            ["rescale_factor"] = 1.0 / 255,
        };
        WriteJson();
        File.WriteAllText(Path.Combine(Directory, "tokenizer.json"), "{}");
    }

    public string Directory { get; }

    public JsonObject Config { get; }

    public JsonObject Preprocessor { get; }

    public void WriteJson()
    {
        File.WriteAllText(Path.Combine(Directory, "config.json"), Config.ToJsonString());
        File.WriteAllText(Path.Combine(Directory, "preprocessor_config.json"), Preprocessor.ToJsonString());
    }

    public string OnnxPath(string stem, string suffix = "") => Path.Combine(Directory, "onnx", stem + suffix + ".onnx");

    /// <summary>Writes the three graphs of a variant as placeholder bytes (enough for variant discovery).</summary>
    public void WriteVariantFiles(string suffix, byte[]? bytes = null)
    {
        foreach (var stem in new[] { "vision_encoder", "embed_tokens", "decoder_model_merged" })
        {
            File.WriteAllBytes(OnnxPath(stem, suffix), bytes ?? [1, 2, 3]);
        }
    }

    /// <summary>A valid ONNX model: each output is Identity of the input with the same index.</summary>
    public static byte[] IdentityModel(params (string Name, int ElemType, long[] Dims, string OutputName)[] tensors)
    {
        var graph = new GraphProto { Name = "hand_made" };
        foreach (var (name, type, dims, output) in tensors)
        {
            graph.Input.Add(ValueInfo(name, type, dims));
            graph.Output.Add(ValueInfo(output, type, dims));
            graph.Node.Add(new NodeProto { OpType = "Identity", Input = { name }, Output = { output }, Name = "id_" + name });
        }

        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "edgepali-tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static ValueInfoProto ValueInfo(string name, int elemType, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "dyn" + shape.Dim.Count } : new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } },
        };
    }
}
