using EdgePali.Quantize.Tests.Builders;

namespace EdgePali.Quantize.Tests.Rewriting;

/// <summary>
/// Packages written by `quantize` load and generate in the pinned transformers.js, under the dtype names it maps to
/// our file suffixes (int8 -> `_int8`, q8 -> `_quantized`), with the prompt ids our engine builds.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Conformance)]
public sealed class QuantizedPackagesInTransformersJsTests(QuantizedTinyPackages packages) : IClassFixture<QuantizedTinyPackages>
{
    [Theory]
    [InlineData("int8", "int8")]
    [InlineData("dynamic-int8", "q8")]
    public async Task TransformersJs_GeneratesWithTheQuantizedPackage(string mode, string dtype)
    {
        var dir = mode == "int8" ? packages.QuantizedInt8Dir : packages.DynamicInt8Dir;
        var (inputIds, generated) = await TransformersJsConformanceTests.RunNode(dir, dtype);

        var config = packages.Config;
        long[] expectedPrompt = [.. Enumerable.Repeat((long)config.ImageTokenId, config.Vision.ImageTokenCount), 2, 21209, 659, 108];
        Assert.Equal(expectedPrompt, inputIds);
        Assert.Equal(TransformersJsConformanceTests.MaxNewTokens, generated.Length);
        Assert.All(generated, id => Assert.InRange(id, 0, config.Text.VocabSize - 1));
    }
}
