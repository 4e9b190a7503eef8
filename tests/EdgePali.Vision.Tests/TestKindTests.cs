namespace EdgePali.Vision.Tests;

/// <summary>Every test class says what kind it is, so <c>./test.sh --filter Kind=Unit</c> picks the right ones.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class TestKindTests
{
    [Fact]
    public void EveryTestClass_HasExactlyOneKindTrait()
    {
        var problems = TestKinds.ClassesWithoutOneKind(typeof(TestKindTests).Assembly);
        Assert.True(problems.Count == 0, "Add [Trait(TestKinds.Trait, TestKinds.Unit|Integration|Conformance)] to:\n" + string.Join("\n", problems));
    }
}
