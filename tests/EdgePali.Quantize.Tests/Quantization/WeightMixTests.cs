using EdgePali.Quantize.Quantization;

namespace EdgePali.Quantize.Tests.Quantization;

/// <summary>`--mix` rules: what each scope matches, that later rules win, and a clear error for every malformed rule.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class WeightMixTests
{
    private static WeightMix Mix(string spec) => WeightMix.Create(LinearFormat.Int8, LinearFormat.Int8, LinearFormat.Int8, spec, visionLayers: 27, decoderLayers: 18);

    [Fact]
    public void LaterNarrowerRules_Override_ThePartAndTheBase()
    {
        var mix = Mix("decoder=int4, decoder.layers.17.mlp=int8, decoder.attention=int8@1, vision.layers.0-2=fp32, lm_head=int4, embed=fp32");
        Assert.Equal(LinearFormat.Int4, mix.Resolve(new LinearScope(LinearPart.Decoder, 3, LinearKind.Mlp)));
        Assert.Equal(LinearFormat.Int8, mix.Resolve(new LinearScope(LinearPart.Decoder, 17, LinearKind.Mlp)));
        Assert.Equal(new LinearFormat(8, 1), mix.Resolve(new LinearScope(LinearPart.Decoder, 17, LinearKind.Attention)));
        Assert.Equal(new LinearFormat(8, 1), mix.Resolve(new LinearScope(LinearPart.Decoder, 0, LinearKind.Attention)));
        Assert.Equal(LinearFormat.Fp32, mix.Resolve(new LinearScope(LinearPart.Vision, 2, LinearKind.Mlp)));
        Assert.Equal(LinearFormat.Int8, mix.Resolve(new LinearScope(LinearPart.Vision, 3, LinearKind.Mlp)));
        Assert.Equal(LinearFormat.Int8, mix.Resolve(new LinearScope(LinearPart.Projector)));
        Assert.Equal(LinearFormat.Int4, mix.Resolve(new LinearScope(LinearPart.LmHead)));
        Assert.Equal(LinearFormat.Fp32, mix.Resolve(new LinearScope(LinearPart.Embed)));

        // A layer or kind rule never matches a weight whose layer or kind is unknown; the part rule does.
        Assert.Equal(LinearFormat.Int4, mix.Resolve(new LinearScope(LinearPart.Decoder)));
        Assert.Equal("decoder=int4@4,decoder.layers.17.mlp=int8@4,decoder.attention=int8@1,vision.layers.0-2=fp32,lm_head=int4@4,embed=fp32", mix.ToString());
    }

    [Fact]
    public void W8A8_Rules_ResolveToTheIntegerGemmFormat_AndPrintBack()
    {
        var mix = Mix("decoder.mlp=w8a8,vision=w8a8,decoder.layers.17=int8");
        Assert.Equal(LinearFormat.W8A8, mix.Resolve(new LinearScope(LinearPart.Decoder, 3, LinearKind.Mlp)));
        Assert.Equal(LinearFormat.Int8, mix.Resolve(new LinearScope(LinearPart.Decoder, 17, LinearKind.Mlp)));
        Assert.Equal(LinearFormat.Int8, mix.Resolve(new LinearScope(LinearPart.Decoder, 3, LinearKind.Attention)));
        Assert.Equal(LinearFormat.W8A8, mix.Resolve(new LinearScope(LinearPart.Vision, 0, LinearKind.Attention)));
        Assert.Equal("w8a8", LinearFormat.W8A8.ToString());
        Assert.Equal("decoder.mlp=w8a8,vision=w8a8,decoder.layers.17=int8@4", mix.ToString());
    }

    [Fact]
    public void NoRules_GiveTheBaseFormats()
    {
        var mix = WeightMix.Create(LinearFormat.Int8, LinearFormat.Int4, LinearFormat.Int8, "  ", 27, 18);
        Assert.True(mix.IsUniform);
        Assert.Equal(LinearFormat.Int4, mix.Resolve(new LinearScope(LinearPart.LmHead)));
        Assert.Equal(LinearFormat.Int8, mix.Resolve(new LinearScope(LinearPart.Projector)));
    }

    [Theory]
    [InlineData("decoder.mlp", "is not SCOPE=FORMAT[@LEVEL]")]
    [InlineData("=int4", "is not SCOPE=FORMAT[@LEVEL]")]
    [InlineData("decoder.ffn=int4", "scope 'decoder.ffn' is not one of vision, decoder")]
    [InlineData("lm_head.layers.1=int4", "scope 'lm_head.layers.1' is not one of")]
    [InlineData("decoder=int3", "format 'int3' is not one of int8, int4, w8a8, fp32")]
    [InlineData("decoder=w8a8@4", "w8a8 layers run MatMulInteger, which has no accuracy_level")]
    [InlineData("embed=w8a8", "the embedding table is a lookup, not a matmul")]
    [InlineData("decoder.layers.18=int4", "the decoder has 18 layers (0-17); layer 18 does not exist")]
    [InlineData("vision.layers.20-27.mlp=int4", "the vision has 27 layers (0-26); layer 27 does not exist")]
    [InlineData("decoder.layers.9-3=int4", "layer range 9-3 runs backwards; write it as 3-9")]
    [InlineData("decoder=int8@5", "accuracy_level '5' is not 0-4")]
    [InlineData("decoder=int8@", "accuracy_level '' is not 0-4")]
    [InlineData("decoder=fp32@1", "fp32 layers have no accuracy_level")]
    [InlineData("embed=int4", "the embedding table is stored int8 or fp32")]
    [InlineData("embed=int8@4", "the embedding table is a lookup")]
    public void MalformedRules_FailWithAMessageNamingTheRuleAndTheProblem(string spec, string expected)
    {
        var error = Assert.Throws<QuantizeException>(() => Mix("vision=int8," + spec));
        Assert.Contains($"--mix rule '{spec}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
