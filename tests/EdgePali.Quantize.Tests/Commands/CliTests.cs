using EdgePali.Quantize.Commands;

namespace EdgePali.Quantize.Tests.Commands;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class CliTests
{
    [Fact]
    public async Task UnknownCommand_FailsWithNonZeroExitCode()
    {
        var code = await QuantizeCli.RunAsync(["no-such-command"]);
        Assert.NotEqual(0, code);
    }
}
