using System.Runtime.InteropServices;

namespace EdgePali.Agent.Hosting;

/// <summary>
/// Keeps glibc's malloc from holding on to freed memory. First, caps it at two arenas, as MALLOC_ARENA_MAX=2 does. glibc gives a thread that finds the arenas busy
/// an arena of its own, up to eight per core, and each keeps the memory freed in it. The worker's native allocations
/// (ONNX Runtime's per-run buffers above all) come from whichever thread-pool thread runs the analysis, so over a
/// long run more and more arenas each hold some megabytes: the memory soak (docs/benchmarks.md, "Memory soak") found
/// 14-17 of them holding about 80 MB while the GC heap stayed flat, and RSS climbing with them. Two arenas trade a
/// little lock contention (one model, one analysis at a time) for a bounded native heap on a 4-8 GB board.
/// Called first thing in Main, before the runtime starts the threads that would create arenas (glibc fixes the cap
/// once eight exist). Does nothing when MALLOC_ARENA_MAX is set (the operator's choice wins) or without glibc.
/// Second, <see cref="Trim"/> (run every minute by <see cref="NativeHeapTrimmer"/>) gives the free pages inside the
/// arenas back to the kernel: see there why glibc does not do that by itself.
/// </summary>
internal static class NativeHeap
{
    public const int Arenas = 2;

    private const int MArenaMax = -8; // M_ARENA_MAX in glibc's malloc.h

    /// <summary>True when glibc accepted the cap.</summary>
    public static bool LimitArenas()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
            return false;
        try
        {
            return Mallopt(MArenaMax, Arenas) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (musl has no arenas to cap)
        }
    }

    /// <summary>
    /// malloc_trim(0): returns every whole free page in every arena to the kernel (madvise), not only the top of the
    /// main heap that glibc trims by itself. True when it released memory; false when there was none or without glibc.
    /// </summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            return MallocTrim(0) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc
        }
    }

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Mallopt(int parameter, int value);
}
