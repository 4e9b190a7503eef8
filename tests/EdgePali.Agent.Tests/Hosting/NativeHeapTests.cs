using System.Runtime.InteropServices;
using EdgePali.Agent.Hosting;

namespace EdgePali.Agent.Tests.Hosting;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class NativeHeapTests
{
    private static bool IsGlibc =>
        OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var handle) && NativeLibrary.TryGetExport(handle, "malloc_trim", out _);

    [Fact]
    public void LimitArenas_IsAcceptedByGlibc_AndIsANoOpElsewhere()
    {
        var expected = IsGlibc && Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is null;

        Assert.Equal(expected, NativeHeap.LimitArenas());
    }

    [Fact]
    public void Trim_GivesFreedPagesInsideTheHeapBackToTheKernel()
    {
        if (!IsGlibc)
        {
            Assert.False(NativeHeap.Trim());
            return;
        }

        // 64 MiB in 64 KiB blocks (below the mmap threshold, so they come from an arena), all touched, then all freed
        // but the last: the free space now sits below a live block, where glibc's own trimming of the heap top never
        // reaches, which is what the worker's heap looks like after ONNX Runtime and OpenCV free their buffers.
        const int BlockBytes = 64 * 1024, Blocks = 1024;
        var ones = new byte[BlockBytes];
        Array.Fill(ones, (byte)1);
        var blocks = new nint[Blocks];
        for (var i = 0; i < Blocks; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(BlockBytes);
            Marshal.Copy(ones, 0, blocks[i], BlockBytes);
        }
        for (var i = 0; i < Blocks - 1; i++)
            Marshal.FreeHGlobal(blocks[i]);

        try
        {
            var before = ResidentBytes();
            Assert.True(NativeHeap.Trim());
            var released = before - ResidentBytes();

            // Most of the 64 MiB comes back; other tests running in parallel may fault in a few MiB meanwhile.
            Assert.True(released >= 32L << 20, $"malloc_trim released {released >> 20} MiB of 64 MiB freed");
        }
        finally
        {
            Marshal.FreeHGlobal(blocks[^1]);
        }
    }

    private static long ResidentBytes()
    {
        // VmRSS from /proc/self/status, in kB: read fresh each time (Environment.WorkingSet may be cached per process object).
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
