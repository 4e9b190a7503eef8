using EdgePali.Quantize.Hub;

namespace EdgePali.Quantize.Tests.Hub;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class FileGlobTests
{
    [Theory]
    [InlineData("onnx/*_int8*", "onnx/vision_encoder_int8.onnx", true)]
    [InlineData("onnx/*_int8*", "onnx/vision_encoder_int8.onnx_data", true)]
    [InlineData("onnx/*_int8*", "onnx/vision_encoder.onnx", false)]
    [InlineData("onnx/*_int8*", "vision_encoder_int8.onnx", false)]
    [InlineData("config.json", "config.json", true)]
    [InlineData("config.json", "onnx/config.json", false)]
    [InlineData("*.json", "config.json", true)]
    [InlineData("*.json", "onnx/config.json", true)] // fnmatch: '*' crosses folders, as in huggingface_hub
    [InlineData("onnx/", "onnx/decoder_model_merged_q4.onnx", true)] // a folder selects what is inside it
    [InlineData("onnx/", "onnx_old/x.onnx", false)]
    [InlineData("./config.json", "config.json", true)]
    [InlineData("Config.json", "config.json", false)] // case-sensitive, like the Hub's paths
    [InlineData("onnx/decoder_model_merged_q?.onnx", "onnx/decoder_model_merged_q4.onnx", true)]
    [InlineData("onnx/decoder_model_merged_q?.onnx", "onnx/decoder_model_merged_q4f16.onnx", false)]
    public void Matches_FollowsFnmatchRules(string pattern, string path, bool expected) =>
        Assert.Equal(expected, FileGlob.Matches(pattern, path));

    [Fact]
    public void IsSelected_WithoutPatterns_SelectsEverything() =>
        Assert.True(FileGlob.IsSelected("anything/at/all.bin", []));

    [Fact]
    public void Unmatched_ReturnsOnlyThePatternsThatSelectNothing()
    {
        string[] paths = ["config.json", "onnx/vision_encoder_int8.onnx"];
        Assert.Equal(["onnx/*_q4*", "tokenizer.json"], FileGlob.Unmatched(["*.json", "onnx/*_q4*", "onnx/*_int8*", "tokenizer.json"], paths));
    }
}
