using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgePali.Agent.Hosting;

/// <summary>
/// Every minute, hands the free pages of the native heap back to the kernel (<see cref="NativeHeap.Trim"/>).
/// Why: glibc returns memory by itself only from the top of the main heap. ONNX Runtime, OpenCV and SQLite free
/// buffers all over the arenas, and the dynamic mmap threshold moves megabyte-sized buffers from mmap (returned on
/// free) into the arenas after the first few are freed. So RSS climbed for minutes after start-up and stayed there:
/// in the memory soak (docs/benchmarks.md, "Memory soak") one malloc_trim(0) took the worker from 313 to 281 MiB.
/// A trim walks the arenas under their locks (its time is in the debug log line), so it runs on an interval rather
/// than after every analysis, whose buffers would only be faulted in again at once. Ends at once without glibc.
/// </summary>
internal sealed class NativeHeapTrimmer(TimeProvider time, ILogger<NativeHeapTrimmer> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!OperatingSystem.IsLinux())
            return;
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var before = Environment.WorkingSet;
            var started = time.GetTimestamp();
            if (NativeHeap.Trim())
            {
                logger.LogDebug(
                    "Native heap trimmed in {ElapsedMs:0.00} ms: RSS {BeforeMiB:0.0} -> {AfterMiB:0.0} MiB",
                    time.GetElapsedTime(started).TotalMilliseconds, before / 1048576.0, Environment.WorkingSet / 1048576.0);
            }
        }
    }
}
