
using EdgePali.Agent.Cli;

namespace EdgePali.Agent.Tests;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class CliTests
{
    [Fact]
    public async Task UnknownCommand_FailsWithNonZeroExitCode()
    {
        var code = await EdgePaliCli.RunAsync(["no-such-command"]);
        Assert.NotEqual(0, code);
    }
}
