using EdgePali.Quantize.Builders;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Quantize.Tests.Builders;

[Collection(TinyPaliGemma1Shared.Name)]
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class PaliGemma1ReferenceForwardTests(TinyPaliGemma1Packages packages)
{
    [Fact]
    public void Fp32Graphs_MatchReferenceForward_PrefillAndDecodeSteps() => ReferenceComparison.AssertFp32MatchesReference(packages);

    /// <summary>
    /// The fused layout (GroupQueryAttention with causal=0, rotary inside, skip norms; vision MultiHeadAttention)
    /// computes the same model: a causal prefill would change every prompt position's logits but the last few.
    /// </summary>
    [Fact]
    public void FusedFp32Graphs_MatchReferenceForward_PrefillAndDecodeSteps() => ReferenceComparison.AssertFp32MatchesReference(packages, GraphLayout.Fused);
}

[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class PaliGemma2ReferenceForwardTests(TinyPaliGemma2Packages packages) : IClassFixture<TinyPaliGemma2Packages>
{
    [Fact]
    public void Fp32Graphs_MatchReferenceForward_PrefillAndDecodeSteps() => ReferenceComparison.AssertFp32MatchesReference(packages);

    /// <summary>
    /// The fused layout (GroupQueryAttention with causal=0, rotary inside, skip norms; vision MultiHeadAttention)
    /// computes the same model: a causal prefill would change every prompt position's logits but the last few.
    /// </summary>
    [Fact]
    public void FusedFp32Graphs_MatchReferenceForward_PrefillAndDecodeSteps() => ReferenceComparison.AssertFp32MatchesReference(packages, GraphLayout.Fused);
}
