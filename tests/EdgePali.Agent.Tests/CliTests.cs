
using EdgePali.Agent.Cli;

namespace EdgePali.Agent.Tests;

public sealed class CliTests
{
    [Fact]
    public async Task UnknownCommand_FailsWithNonZeroExitCode()
    {
        var code = await EdgePaliCli.RunAsync(["no-such-command"]);
        Assert.NotEqual(0, code);
    }
}
