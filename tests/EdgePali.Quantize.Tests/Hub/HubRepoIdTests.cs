using EdgePali.Quantize.Hub;

namespace EdgePali.Quantize.Tests.Hub;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class HubRepoIdTests
{
    [Theory]
    [InlineData("onnx-community/paligemma2-3b-pt-224", "paligemma2-3b-pt-224")]
    [InlineData("Xenova/paligemma-3b-mix-224", "paligemma-3b-mix-224")]
    [InlineData("google/paligemma2-3b-pt-224", "paligemma2-3b-pt-224")]
    [InlineData("gpt2", "gpt2")]
    [InlineData(" user_1/model.v2 ", "model.v2")]
    public void Parse_AcceptsHubIds(string text, string name)
    {
        var id = HubRepoId.Parse(text);
        Assert.Equal(text.Trim(), id.Value);
        Assert.Equal(name, id.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b/c")]
    [InlineData("owner//name")]
    [InlineData("/name")]
    [InlineData("owner/")]
    [InlineData("owner/na me")]
    [InlineData("owner/na--me")]
    [InlineData("owner/na..me")]
    [InlineData("owner/-name")]
    [InlineData("owner/name.git")]
    [InlineData("https://huggingface.co/owner/name")]
    public void Parse_RejectsWhatTheHubRejects_WithAMessageNamingTheInput(string text)
    {
        var error = Assert.Throws<HubException>(() => HubRepoId.Parse(text));
        Assert.Equal(HubErrorKind.InvalidInput, error.Kind);
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("owner/name", error.Message, StringComparison.Ordinal);
    }
}
