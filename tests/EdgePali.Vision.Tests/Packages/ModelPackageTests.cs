using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EdgePali.Vision.Packages;

namespace EdgePali.Vision.Tests.Packages;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class ModelPackageTests
{
    [Fact]
    public void Open_MissingFolder_SaysSo()
    {
        var ex = Assert.Throws<ModelPackageException>(() => ModelPackage.Open("/nonexistent/edgepali-model"));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config.json")]
    [InlineData("preprocessor_config.json")]
    [InlineData("tokenizer.json")]
    public void Open_MissingRequiredFile_NamesIt(string file)
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("_int8");
        File.Delete(Path.Combine(pkg.Directory, file));
        var ex = Assert.Throws<ModelPackageException>(() => ModelPackage.Open(pkg.Directory));
        Assert.StartsWith(file + " is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ConfigNotJson_NamesFileAndLine()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("_int8");
        File.WriteAllText(Path.Combine(pkg.Directory, "config.json"), "{\n  \"model_type\": \"paligemma\",\n  oops\n}");
        var ex = Assert.Throws<ModelPackageException>(() => ModelPackage.Open(pkg.Directory));
        Assert.Contains("config.json is not valid JSON (line 3)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_OtherModelType_IsRefused()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        pkg.Config["model_type"] = "llava";
        pkg.WriteJson();
        var ex = Assert.Throws<ModelPackageException>(() => ModelPackage.Open(pkg.Directory));
        Assert.Contains("model_type is 'llava', expected 'paligemma'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_BadConfigValue_NamesKey()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        pkg.Config["text_config"]!["num_hidden_layers"] = "eighteen";
        pkg.WriteJson();
        var ex = Assert.Throws<ModelPackageException>(() => ModelPackage.Open(pkg.Directory));
        Assert.Contains("text_config: num_hidden_layers must be a non-negative integer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_PreprocessorSizeDisagreesWithVision_IsRefused()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        pkg.Preprocessor["size"] = new JsonObject { ["height"] = 224, ["width"] = 224 };
        pkg.WriteJson();
        var ex = Assert.Throws<ModelPackageException>(() => ModelPackage.Open(pkg.Directory));
        Assert.Contains("size 224 does not match vision_config.image_size 28", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WrongVariant_ListsAvailableOnes()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        pkg.WriteVariantFiles("_int8");
        var ex = Assert.Throws<ModelPackageException>(() => ModelPackage.Open(pkg.Directory, "q4"));
        Assert.Contains("Model variant 'q4' is not complete", ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing onnx/vision_encoder_q4.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Available variants: fp32, int8.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IncompleteVariant_NamesTheMissingGraph()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("_int8");
        File.Delete(pkg.OnnxPath("embed_tokens", "_int8"));
        var ex = Assert.Throws<ModelPackageException>(() => ModelPackage.Open(pkg.Directory, "int8"));
        Assert.Contains("missing onnx/embed_tokens_int8.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Available variants: none", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NoVariantNamed_PrefersInt8ThenFp32()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        Assert.Equal("fp32", ModelPackage.Open(pkg.Directory).Variant.Name);
        pkg.WriteVariantFiles("_int8");
        var package = ModelPackage.Open(pkg.Directory);
        Assert.Equal("int8", package.Variant.Name);
        Assert.EndsWith("onnx/decoder_model_merged_int8.onnx", package.PathOf(ModelPart.Decoder), StringComparison.Ordinal);
        Assert.Equal("q4", ModelVariant.Parse("int4").Name);
        Assert.Equal("", ModelVariant.Parse("fp32").Suffix);
    }

    [Fact]
    public void Config_UsesTextConfigHiddenSize_AndGenerationConfigEos()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        pkg.Config["text_config"]!["model_type"] = "gemma2";
        pkg.WriteJson();
        File.WriteAllText(Path.Combine(pkg.Directory, "generation_config.json"), "{\"eos_token_id\": [1, 107]}");
        var config = ModelPackage.Open(pkg.Directory).Config;
        Assert.Equal(PaliGemmaFamily.PaliGemma2, config.Family);
        Assert.Equal(HandMadePackage.Hidden, config.Text.HiddenSize);
        Assert.Equal(4, config.ImageTokenCount);
        Assert.Equal([1, 107], config.EosTokenIds);
        Assert.Equal(257152, config.ImageTokenId);
    }

    [Fact]
    public void Config_DeclaredImageTokensDisagreeWithSizes_IsRefused()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("");
        pkg.Config["text_config"]!["num_image_tokens"] = 256;
        pkg.WriteJson();
        var ex = Assert.Throws<ModelPackageException>(() => ModelPackage.Open(pkg.Directory));
        Assert.Contains("num_image_tokens is 256, but image_size 28 / patch_size 14 gives 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyChecksums_DetectsAlteredFile_AndAcceptsIntactOnes()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("_int8", [9, 8, 7, 6]);
        var decoder = pkg.OnnxPath("decoder_model_merged", "_int8");
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(decoder)));
        File.WriteAllText(
            Path.Combine(pkg.Directory, "edgepali.json"),
            $$"""{"files": [{"path": "onnx/decoder_model_merged_int8.onnx", "sha256": "{{sha}}", "bytes": 4}]}""");

        await ModelPackage.Open(pkg.Directory).VerifyChecksumsAsync(CancellationToken.None);

        File.WriteAllBytes(decoder, [9, 8, 7, 5]);
        var ex = await Assert.ThrowsAsync<ModelPackageException>(() => ModelPackage.Open(pkg.Directory).VerifyChecksumsAsync(CancellationToken.None));
        Assert.Contains("onnx/decoder_model_merged_int8.onnx has sha256", ex.Message, StringComparison.Ordinal);

        File.WriteAllBytes(decoder, [9, 8]);
        ex = await Assert.ThrowsAsync<ModelPackageException>(() => ModelPackage.Open(pkg.Directory).VerifyChecksumsAsync(CancellationToken.None));
        Assert.Contains("is 2 bytes but edgepali.json records 4: the file is truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_RecordsTheGraphLayout_StandardWhenAbsent()
    {
        using var pkg = new HandMadePackage();
        pkg.WriteVariantFiles("_int8");
        var manifest = Path.Combine(pkg.Directory, "edgepali.json");
        File.WriteAllText(manifest, """{"graph": "fused", "files": []}""");
        Assert.Equal("fused", ModelPackage.Open(pkg.Directory).Manifest!.Graph);
        File.WriteAllText(manifest, """{"files": []}""");
        Assert.Equal(PackageManifest.StandardGraph, ModelPackage.Open(pkg.Directory).Manifest!.GraphLayout);
    }
}
