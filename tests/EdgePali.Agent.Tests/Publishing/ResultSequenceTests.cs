
using EdgePali.Agent.Publishing;
using EdgePali.Agent.Tests.Support;

namespace EdgePali.Agent.Tests.Publishing;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class ResultSequenceTests : IDisposable
{
    private readonly TestDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public void Numbers_StartAtOne_AndAreOnDiskBeforeTheyAreHandedOut()
    {
        var sequence = new ResultSequence(_state.Path);

        Assert.Equal(0, sequence.Last);
        Assert.Equal(1, sequence.Next());
        Assert.Equal("1", File.ReadAllText(Path.Combine(_state.Path, ResultSequence.FileName)).Trim());
        Assert.Equal(2, sequence.Next());
        Assert.Equal("2", File.ReadAllText(Path.Combine(_state.Path, ResultSequence.FileName)).Trim());
    }

    [Fact]
    public void NewInstance_ContinuesAfterTheLastNumber()
    {
        var first = new ResultSequence(_state.Path);
        for (var i = 0; i < 5; i++)
            first.Next();

        var second = new ResultSequence(_state.Path);

        Assert.Equal(5, second.Last);
        Assert.Equal(6, second.Next());
    }

    [Fact]
    public void CorruptFile_IsRejectedWithWhatToDo_NotRestartedAtOne()
    {
        File.WriteAllText(Path.Combine(_state.Path, ResultSequence.FileName), "12x");

        var error = Assert.Throws<InvalidDataException>(() => new ResultSequence(_state.Path));

        Assert.Contains("holds '12x', not a number", error.Message, StringComparison.Ordinal);
        Assert.Contains("write the last published seq into it", error.Message, StringComparison.Ordinal);
    }
}
