using EdgePali.Vision.Packages;

namespace EdgePali.Bench.Tests;

/// <summary>Which package transformers.js may be compared on: every reason to refuse, and the cases that pass.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class TransformersJsPackageTests
{
    private static readonly PackageManifest Fused = new() { SourceCheckpoint = "/ck/a", WeightFormat = "w8a8", Graph = "fused" };
    private static readonly PackageManifest Standard = Fused with { Graph = "standard" };

    [Fact]
    public void TheSamePackage_IsComparable_WhateverItsLayout()
    {
        Assert.Null(TransformersJsPackage.Problem(Standard, Standard, "/p", separate: false));
        Assert.Null(TransformersJsPackage.Problem(Fused, Fused, "/p", separate: false));
        Assert.Null(TransformersJsPackage.Problem(null, null, "/p", separate: false));
    }

    [Fact]
    public void StandardTwinOfTheSameCheckpoint_IsComparable()
    {
        Assert.Null(TransformersJsPackage.Problem(Fused, Standard, "/twin", separate: true));
    }

    [Theory]
    [InlineData("fused", "/ck/a", "w8a8", null, "'fused' graph layout; pass the standard layout")]
    [InlineData("standard", "/ck/b", "w8a8", null, "was built from /ck/b, the measured package from /ck/a")]
    [InlineData("standard", "/ck/a", "int8", null, "has weight format 'int8', the measured package 'w8a8'")]
    [InlineData("standard", "/ck/a", "w8a8", "decoder.mlp=int4@4", "has --mix 'decoder.mlp=int4@4'")]
    public void SeparatePackage_ThatDiffersInMoreThanTheLayout_IsRefused_NamingTheDifference(string graph, string checkpoint, string format, string? mix, string expected)
    {
        var theirs = new PackageManifest { Graph = graph, SourceCheckpoint = checkpoint, WeightFormat = format, WeightMix = mix };
        var problem = TransformersJsPackage.Problem(Fused, theirs, "/twin", separate: true);
        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.Contains("/twin", problem, StringComparison.Ordinal);
    }
}
