namespace EdgePali.Agent.Tests;

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

    // The check itself can fail: classes with no Kind, two Kinds or an unknown one are each reported.
    [Fact]
    public void ClassesWithoutOneKind_ReportsMissingDuplicateAndUnknownKinds()
    {
        Type[] samples = [typeof(NoKind), typeof(TwoKinds), typeof(UnknownKind), typeof(OneKind)];
        Assert.Empty(TestKinds.ClassesWithoutOneKind(samples));
        var problems = TestKinds.ClassesWithoutOneKind(samples.Select(MakeVisible));
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains(nameof(NoKind)) && p.Contains("0 Kind traits"));
        Assert.Contains(problems, p => p.Contains(nameof(TwoKinds)) && p.Contains("2 Kind traits"));
        Assert.Contains(problems, p => p.Contains(nameof(UnknownKind)) && p.Contains("'Slow'"));
    }

    // The samples are private (xunit must not run them, and the check skips invisible classes like xunit does);
    // this wrapper presents them as visible so the check looks at their traits.
    private static Type MakeVisible(Type type) => new VisibleType(type);

    private sealed class VisibleType(Type inner) : System.Reflection.TypeDelegator(inner)
    {
        protected override System.Reflection.TypeAttributes GetAttributeFlagsImpl() =>
            (base.GetAttributeFlagsImpl() & ~System.Reflection.TypeAttributes.VisibilityMask) | System.Reflection.TypeAttributes.Public;

        public override IList<System.Reflection.CustomAttributeData> GetCustomAttributesData() => typeImpl.GetCustomAttributesData();
    }

    // Samples of what the check must catch; private on purpose (see MakeVisible), hence xUnit1000 is off here.
#pragma warning disable xUnit1000
    private sealed class NoKind
    {
        [Fact]
        public void Sample() { }
    }

    [Trait(TestKinds.Trait, TestKinds.Unit)]
    [Trait(TestKinds.Trait, TestKinds.Integration)]
    private sealed class TwoKinds
    {
        [Fact]
        public void Sample() { }
    }

    [Trait(TestKinds.Trait, "Slow")]
    private sealed class UnknownKind
    {
        [Fact]
        public void Sample() { }
    }

    [Trait(TestKinds.Trait, TestKinds.Unit)]
    private sealed class OneKind
    {
        [Fact]
        public void Sample() { }
    }
#pragma warning restore xUnit1000
}
