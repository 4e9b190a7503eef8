using System.Text.Json.Nodes;
using EdgePali.Vision.Packages;

namespace EdgePali.Vision.Tests.Packages;

/// <summary>The one config reader and its writer: defaults for what published config.json files leave out, and a lossless round trip.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class PaliGemmaConfigReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgepali-config-").FullName;

    [Theory]
    [InlineData("gemma")]
    [InlineData("gemma2")]
    public void TextConfigWithoutVocabSize_HasPaliGemmasPaddedVocabulary(string decoder)
    {
        // GemmaConfig's own default (256000) has no room for the location and segmentation tokens.
        WriteConfig(new JsonObject { ["model_type"] = "paligemma", ["text_config"] = new JsonObject { ["model_type"] = decoder } });

        var config = PaliGemmaConfigReader.ReadCheckpoint(_dir);

        Assert.Equal(257216, config.Text.VocabSize);
        Assert.Equal(PaliGemmaTokens.PaddedVocabularySize, config.Text.VocabSize);
    }

    [Fact]
    public void VisionConfigAsPublished_TakesSo400mDefaults()
    {
        // paligemma-3b-pt-224's vision_config as published: no image_size, no layer_norm_eps.
        WriteConfig(new JsonObject
        {
            ["model_type"] = "paligemma",
            ["text_config"] = new JsonObject { ["model_type"] = "gemma", ["hidden_size"] = 2048, ["num_hidden_layers"] = 18, ["num_key_value_heads"] = 1, ["num_attention_heads"] = 8, ["intermediate_size"] = 16384 },
            ["vision_config"] = new JsonObject { ["hidden_size"] = 1152, ["intermediate_size"] = 4304, ["num_hidden_layers"] = 27, ["num_attention_heads"] = 16, ["patch_size"] = 14, ["num_image_tokens"] = 256 },
        });

        var config = PaliGemmaConfigReader.ReadCheckpoint(_dir);

        Assert.Equal(VisionConfig.So400m(224), config.Vision);
        Assert.Equal(256, config.ImageTokenCount);
        Assert.Equal(2048, config.ProjectionDim);
        Assert.Equal(PreprocessorConfig.Siglip(224).Size, config.Preprocessor.Size);
    }

    [Fact]
    public void PackageWithoutPreprocessorConfig_IsRefused_CheckpointIsNot()
    {
        WriteConfig(new JsonObject { ["model_type"] = "paligemma" });

        Assert.Equal(224, PaliGemmaConfigReader.ReadCheckpoint(_dir).Preprocessor.Size);
        var ex = Assert.Throws<ModelPackageException>(() => PaliGemmaConfigReader.Read(_dir));
        Assert.StartsWith("preprocessor_config.json is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeadsNotAMultipleOfKeyValueHeads_NamesTheKeys()
    {
        WriteConfig(new JsonObject { ["model_type"] = "paligemma", ["text_config"] = new JsonObject { ["num_attention_heads"] = 6, ["num_key_value_heads"] = 4 } });

        var ex = Assert.Throws<ModelPackageException>(() => PaliGemmaConfigReader.ReadCheckpoint(_dir));
        Assert.Contains("num_attention_heads 6 must be a positive multiple of num_key_value_heads 4", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PaliGemmaFamily.PaliGemma1)]
    [InlineData(PaliGemmaFamily.PaliGemma2)]
    public void WrittenConfig_ReadsBackUnchanged(PaliGemmaFamily family)
    {
        var text = family == PaliGemmaFamily.PaliGemma2
            ? new TextConfig(family, 64, 128, 2, 4, 2, 16, 1e-6f, 10000f, 257216, 24f, 50f, 30f, 4096)
            : new TextConfig(family, 64, 128, 2, 4, 1, 16, 1e-5f, 5000f, 257216, 16f, null, null, null);
        var written = PaliGemmaConfig.Create(text, new VisionConfig(32, 64, 2, 2, 14, 56, 1e-6f));

        PaliGemmaConfigWriter.Write(written, _dir);
        var read = PaliGemmaConfigReader.Read(_dir);

        Assert.Equal(written.Text, read.Text);
        Assert.Equal(written.Vision, read.Vision);
        Assert.Equal(written.ProjectionDim, read.ProjectionDim);
        Assert.Equal((written.ImageTokenId, written.BosTokenId), (read.ImageTokenId, read.BosTokenId));
        Assert.Equal(written.EosTokenIds, read.EosTokenIds);
        Assert.Equal(family == PaliGemmaFamily.PaliGemma2 ? [1, 107] : [1], read.EosTokenIds);
        Assert.Equal((written.Preprocessor.Size, written.Preprocessor.RescaleFactor), (read.Preprocessor.Size, read.Preprocessor.RescaleFactor));
        Assert.Equal(written.Preprocessor.ImageMean, read.Preprocessor.ImageMean);
        Assert.Equal(written.Preprocessor.ImageStd, read.Preprocessor.ImageStd);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void WriteConfig(JsonObject config) => File.WriteAllText(Path.Combine(_dir, PackageFiles.Config), config.ToJsonString());
}
