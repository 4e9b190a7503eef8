using EdgePali.Vision.Inference;
using EdgePali.Vision.Packages;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgePali.Vision.Tests.Packages;

[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class ModelSignatureValidatorTests
{
    private const int Float = 1; // onnx.TensorProto.FLOAT
    private const int Int64 = 7; // onnx.TensorProto.INT64

    [Fact]
    public void CorruptOnnxFile_IsRefusedNamingTheFile()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("", "this is not a protobuf model"u8.ToArray());
        var package = ModelPackage.Open(pkg.Directory);
        var factory = new SessionFactory(new ExecutionProviderOptions(), new TestLoggerProvider().CreateLogger<SessionFactory>());
        var ex = Assert.Throws<ModelPackageException>(() => factory.Create(ModelPart.VisionEncoder, package.PathOf(ModelPart.VisionEncoder)));
        Assert.Contains("onnx/vision_encoder.onnx cannot be loaded by ONNX Runtime", ex.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt, truncated or not an ONNX model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedOnnxFile_IsRefused()
    {
        using var pkg = new HandMadePackage();
        var valid = HandMadePackage.IdentityModel(("pixel_values", Float, [1, 3, 28, 28], "image_features"));
        pkg.WriteVariantFiles("", valid[..(valid.Length / 2)]);
        var factory = new SessionFactory(new ExecutionProviderOptions(), new TestLoggerProvider().CreateLogger<SessionFactory>());
        var path = ModelPackage.Open(pkg.Directory).PathOf(ModelPart.VisionEncoder);
        var ex = Assert.Throws<ModelPackageException>(() => factory.Create(ModelPart.VisionEncoder, path));
        Assert.Contains("cannot be loaded by ONNX Runtime", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RealSession_WithWrongImageSize_IsRefusedBeforeServing()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        // A loadable graph whose input is 32x32 while config.json says 28, and whose output is rank 4.
        File.WriteAllBytes(pkg.OnnxPath("vision_encoder"), HandMadePackage.IdentityModel(("pixel_values", Float, [1, 3, 32, 32], "image_features")));
        var package = ModelPackage.Open(pkg.Directory);
        using var session = new SessionFactory(new ExecutionProviderOptions(), new TestLoggerProvider().CreateLogger<SessionFactory>()).Create(ModelPart.VisionEncoder, package.PathOf(ModelPart.VisionEncoder));
        var ex = Assert.Throws<ModelPackageException>(() => ModelSignatureValidator.Validate(
            ModelPart.VisionEncoder,
            "onnx/vision_encoder.onnx",
            package.Config,
            TensorSignature.FromMetadata(session.Session.InputMetadata),
            TensorSignature.FromMetadata(session.Session.OutputMetadata)));
        Assert.Contains("onnx/vision_encoder.onnx does not match the package configuration", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input pixel_values dimension 2 is 32 but vision_config.image_size is 28", ex.Message, StringComparison.Ordinal);
        Assert.Contains("output image_features has rank 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RealSession_EmbedTokensWithWrongTypes_IsRefused()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        File.WriteAllBytes(pkg.OnnxPath("embed_tokens"), HandMadePackage.IdentityModel(("input_ids", Float, [1, -1, 32], "inputs_embeds"), ("attention_mask", Int64, [1, -1], "mask_out")));
        var package = ModelPackage.Open(pkg.Directory);
        using var session = new SessionFactory(new ExecutionProviderOptions(), new TestLoggerProvider().CreateLogger<SessionFactory>()).Create(ModelPart.EmbedTokens, package.PathOf(ModelPart.EmbedTokens));
        var ex = Assert.Throws<ModelPackageException>(() => ModelSignatureValidator.Validate(
            ModelPart.EmbedTokens,
            "onnx/embed_tokens.onnx",
            package.Config,
            TensorSignature.FromMetadata(session.Session.InputMetadata),
            TensorSignature.FromMetadata(session.Session.OutputMetadata)));
        Assert.Contains("unexpected inputs attention_mask", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input input_ids is Float, expected Int64", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input input_ids has rank 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decoder_LayerAndHeadMismatches_AreAllReported()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        var config = ModelPackage.Open(pkg.Directory).Config;
        var inputs = new Dictionary<string, TensorSignature>
        {
            ["inputs_embeds"] = new("inputs_embeds", TensorElementType.Float, [-1, -1, 32]),
            ["position_ids"] = new("position_ids", TensorElementType.Int64, [-1, -1]),
        };
        var outputs = new Dictionary<string, TensorSignature> { ["logits"] = new("logits", TensorElementType.Float, [-1, -1, 257216]) };
        for (var i = 0; i < 3; i++)
        {
            foreach (var kind in new[] { "key", "value" })
            {
                inputs[$"past_key_values.{i}.{kind}"] = new($"past_key_values.{i}.{kind}", TensorElementType.Float, [-1, 4, -1, 16]);
                outputs[$"present.{i}.{kind}"] = new($"present.{i}.{kind}", TensorElementType.Float, [-1, 4, -1, 16]);
            }
        }

        var ex = Assert.Throws<ModelPackageException>(() => ModelSignatureValidator.Validate(ModelPart.Decoder, "onnx/decoder_model_merged.onnx", config, inputs, outputs));
        Assert.Contains("the graph has 3 layers of past key/values but config.json text_config.num_hidden_layers is 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input past_key_values.0.key dimension 1 is 4 but text_config.num_key_value_heads is 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected inputs past_key_values.2.key", ex.Message, StringComparison.Ordinal);

        // The same graph with the right heads and layer count passes.
        foreach (var name in inputs.Keys.Where(k => k.StartsWith("past_key_values.2", StringComparison.Ordinal)).ToList())
        {
            inputs.Remove(name);
        }

        foreach (var name in inputs.Keys.Where(k => k.StartsWith("past_", StringComparison.Ordinal)).ToList())
        {
            inputs[name] = inputs[name] with { Dimensions = [-1, 1, -1, 16] };
            var present = name.Replace("past_key_values", "present", StringComparison.Ordinal);
            outputs[present] = outputs[present] with { Dimensions = [-1, 1, -1, 16] };
        }

        ModelSignatureValidator.Validate(ModelPart.Decoder, "onnx/decoder_model_merged.onnx", config, inputs, outputs);
    }

    [Theory]
    [InlineData(-1L)] // logits for every position, as the transformers.js exports
    [InlineData(1L)] // logits for the last position only, as edgepali-quantize builds by default
    public void Decoder_LogitsOfEveryOrOnlyTheLastPosition_AreAccepted(long logitsSequence)
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        var config = ModelPackage.Open(pkg.Directory).Config;
        var (inputs, outputs) = DecoderSignatures(config, [-1, logitsSequence, config.Text.VocabSize]);
        ModelSignatureValidator.Validate(ModelPart.Decoder, "onnx/decoder_model_merged.onnx", config, inputs, outputs);
    }

    [Fact]
    public void Decoder_LogitsWithoutASequenceAxis_AreRefused()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        var config = ModelPackage.Open(pkg.Directory).Config;
        var (inputs, outputs) = DecoderSignatures(config, [-1, config.Text.VocabSize]);
        var ex = Assert.Throws<ModelPackageException>(() => ModelSignatureValidator.Validate(ModelPart.Decoder, "onnx/decoder_model_merged.onnx", config, inputs, outputs));
        Assert.Contains("output logits has rank 2", ex.Message, StringComparison.Ordinal);
    }

    private static (Dictionary<string, TensorSignature> Inputs, Dictionary<string, TensorSignature> Outputs) DecoderSignatures(PaliGemmaConfig config, long[] logits)
    {
        var t = config.Text;
        var inputs = new Dictionary<string, TensorSignature>
        {
            ["inputs_embeds"] = new("inputs_embeds", TensorElementType.Float, [-1, -1, t.HiddenSize]),
            ["position_ids"] = new("position_ids", TensorElementType.Int64, [-1, -1]),
        };
        var outputs = new Dictionary<string, TensorSignature> { ["logits"] = new("logits", TensorElementType.Float, logits) };
        for (var i = 0; i < t.LayerCount; i++)
        {
            foreach (var kind in new[] { "key", "value" })
            {
                inputs[$"past_key_values.{i}.{kind}"] = new($"past_key_values.{i}.{kind}", TensorElementType.Float, [-1, t.KeyValueHeads, -1, t.HeadDim]);
                outputs[$"present.{i}.{kind}"] = new($"present.{i}.{kind}", TensorElementType.Float, [-1, t.KeyValueHeads, -1, t.HeadDim]);
            }
        }

        return (inputs, outputs);
    }
}
