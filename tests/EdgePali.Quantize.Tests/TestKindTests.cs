namespace EdgePali.Quantize.Tests;

/// <summary>Every test class says what kind it is, so <c>./test.sh --filter Kind=Unit</c> picks the right ones.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class TestKindTests
{
    [Fact]
    public void EveryTestClass_HasExactlyOneKindTrait() =>
        Assert.Empty(TestKinds.ClassesWithoutOneKind(typeof(TestKindTests).Assembly));
}
