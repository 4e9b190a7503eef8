using EdgePali.Quantize.Hub;

namespace EdgePali.Quantize.Tests.Hub;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class LinkHeaderTests
{
    [Theory]
    [InlineData("<https://huggingface.co/api/models/o/n/tree/abc?recursive=true&cursor=ZXlK>; rel=\"next\"",
        "https://huggingface.co/api/models/o/n/tree/abc?recursive=true&cursor=ZXlK")]
    [InlineData("<https://h/prev>; rel=\"prev\", <https://h/next?c=1>; rel=\"next\"", "https://h/next?c=1")]
    [InlineData("</relative?cursor=2>;rel=next", "/relative?cursor=2")]
    [InlineData("<https://h/prev>; rel=\"prev\"", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    [InlineData("garbage", null)]
    public void NextUrl_FindsTheNextRelation(string? header, string? expected) =>
        Assert.Equal(expected, LinkHeader.NextUrl(header));
}
