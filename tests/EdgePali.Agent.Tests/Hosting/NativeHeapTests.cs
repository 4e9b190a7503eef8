using System.Runtime.InteropServices;
using EdgePali.Agent.Hosting;

namespace EdgePali.Agent.Tests.Hosting;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class NativeHeapTests
{
    [Fact]
    public void LimitArenas_IsAcceptedByGlibc_AndIsANoOpElsewhere()
    {
        var glibc = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var handle) && NativeLibrary.TryGetExport(handle, "mallopt", out _);
        var expected = glibc && Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is null;

        Assert.Equal(expected, NativeHeap.LimitArenas());
    }
}
