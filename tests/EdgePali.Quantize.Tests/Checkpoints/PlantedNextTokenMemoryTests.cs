using EdgePali.Vision.Inference;
using EdgePali.Quantize.Checkpoints;

namespace EdgePali.Quantize.Tests.Checkpoints;

/// <summary>The test checkpoints' planted next-token memory: which tokens it uses, determinism, and the terms it adds.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class PlantedNextTokenMemoryTests
{
    private static PlantedNextTokenMemory Memory(TestCheckpointPreset preset, int seed)
    {
        var config = TestCheckpoint.Config(preset);
        var embedding = PaliGemmaTensorLayout.Expected(config).Single(t => t.Role == TensorRole.TokenEmbedding);
        return new PlantedNextTokenMemory(config, embedding, seed);
    }

    [Theory]
    [InlineData(TestCheckpointPreset.Tiny)]
    [InlineData(TestCheckpointPreset.Pg1_224)]
    public void Cycle_IsDistinctPlainTextTokens_NeverNewlineOrControlTokens(TestCheckpointPreset preset)
    {
        var config = TestCheckpoint.Config(preset);
        var cycle = Memory(preset, 7).Cycle;
        Assert.Equal(config.Text.IntermediateSize - PlantedNextTokenMemory.EntryUnits, cycle.Count);
        Assert.Equal(cycle.Count, cycle.Distinct().Count());
        Assert.All(cycle, id => Assert.InRange(id, 3, 255999));
        Assert.DoesNotContain(108, cycle);
    }

    [Fact]
    public void PlantedAnswer_StartsTheCycle_AndEveryEntryUnitLeadsToIt()
    {
        var config = TestCheckpoint.Config(TestCheckpointPreset.Tiny);
        var embedding = PaliGemmaTensorLayout.Expected(config).Single(t => t.Role == TensorRole.TokenEmbedding);
        int[] answer = [256100, 256200, 256600, 256700, 1226, 1];
        var memory = new PlantedNextTokenMemory(config, embedding, 7, answer);
        Assert.Equal(answer, memory.Cycle.Take(answer.Length));
        Assert.Equal(memory.Cycle.Count, memory.Cycle.Distinct().Count());

        // Each entry unit's down-projection column writes the first answer token: the same column for all of them.
        var down = PaliGemmaTensorNames.TextLayer(config.Text.LayerCount - 1, "mlp.down_proj.weight");
        var intermediate = config.Text.IntermediateSize;
        var first = intermediate - PlantedNextTokenMemory.EntryUnits;
        for (var unit = first + 1; unit < intermediate; unit++)
            Assert.Equal(memory.Term(down, first), memory.Term(down, unit));

        var e = Assert.Throws<ArgumentException>(() => new PlantedNextTokenMemory(config, embedding, 7, [256100, 256100]));
        Assert.Contains("uses token 256100 twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SameSeed_SameMemory_OtherSeed_OtherMemory()
    {
        Assert.Equal(Memory(TestCheckpointPreset.Tiny, 7).Cycle, Memory(TestCheckpointPreset.Tiny, 7).Cycle);
        Assert.NotEqual(Memory(TestCheckpointPreset.Tiny, 7).Cycle, Memory(TestCheckpointPreset.Tiny, 8).Cycle);
    }

    [Fact]
    public void TouchesOnlyTheLastLayersMlp_AndForGemma2ItsPostFeedForwardNorm()
    {
        var pg1 = Memory(TestCheckpointPreset.Tiny, 7);
        Assert.True(pg1.Touches(PaliGemmaTensorNames.TextLayer(1, "mlp.gate_proj.weight")));
        Assert.True(pg1.Touches(PaliGemmaTensorNames.TextLayer(1, "mlp.up_proj.weight")));
        Assert.True(pg1.Touches(PaliGemmaTensorNames.TextLayer(1, "mlp.down_proj.weight")));
        Assert.False(pg1.Touches(PaliGemmaTensorNames.TextLayer(0, "mlp.down_proj.weight")));
        Assert.False(pg1.Touches(PaliGemmaTensorNames.EmbedTokens));

        var pg2 = Memory(TestCheckpointPreset.Tiny2, 7);
        var postNorm = PaliGemmaTensorNames.TextLayer(1, "post_feedforward_layernorm.weight");
        Assert.True(pg2.Touches(postNorm));
        Assert.Equal(PlantedNextTokenMemory.Gemma2PostNormGain - 1, pg2.Term(postNorm, 0));
    }

    [Fact]
    public void UnitKeyedOnAToken_ReadsItsEmbeddingDirection_AndWritesItsSuccessors()
    {
        var config = TestCheckpoint.Config(TestCheckpointPreset.Tiny);
        var (hidden, intermediate) = (config.Text.HiddenSize, config.Text.IntermediateSize);
        var embeddingTensor = PaliGemmaTensorLayout.Expected(config).Single(t => t.Role == TensorRole.TokenEmbedding);
        var memory = new PlantedNextTokenMemory(config, embeddingTensor, 7);
        var embedding = new RandomWeights(embeddingTensor, 7);
        var gate = PaliGemmaTensorNames.TextLayer(1, "mlp.gate_proj.weight");
        var down = PaliGemmaTensorNames.TextLayer(1, "mlp.down_proj.weight");
        const int Unit = 5;

        var key = Row(embedding, memory.Cycle[Unit], hidden);
        var gateRow = Enumerable.Range(0, hidden).Select(c => memory.Term(gate, ((long)Unit * hidden) + c)).ToArray();
        var successor = Row(embedding, memory.Cycle[Unit + 1], hidden);
        var downColumn = Enumerable.Range(0, hidden).Select(r => memory.Term(down, ((long)r * intermediate) + Unit)).ToArray();

        Assert.True(ImageFeatures.CosineSimilarity(key, gateRow) > 0.9999, "gate row is not the key token's direction");
        Assert.True(ImageFeatures.CosineSimilarity(successor, downColumn) > 0.9999, "down column is not the successor's embedding");
        // Fed its key (unit RMS), the unit's pre-activation is KeyMatch.
        var rms = Math.Sqrt(key.Sum(v => (double)v * v) / hidden);
        var match = key.Zip(gateRow, (k, g) => k / rms * g).Sum();
        Assert.Equal(PlantedNextTokenMemory.KeyMatch, match, 0.01);
    }

    private static float[] Row(RandomWeights embedding, int token, int hidden)
    {
        var row = new float[hidden];
        embedding.Fill((long)token * hidden, row);
        return row;
    }
}
