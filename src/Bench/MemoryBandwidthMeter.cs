using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace EdgePali.Bench;

/// <summary>What a bandwidth measurement found.</summary>
/// <param name="BytesPerSecond">Best read rate over the passes (the attainable bound, not an average).</param>
/// <param name="BufferBytes">Size of the buffer streamed, chosen much larger than the last-level cache.</param>
/// <param name="LastLevelCacheBytes">The LLC size read from sysfs, or 0 when unknown.</param>
public sealed record MemoryBandwidth(double BytesPerSecond, long BufferBytes, long LastLevelCacheBytes, int Threads, int Passes)
{
    public double GigabytesPerSecond => BytesPerSecond / 1e9;
}

/// <summary>
/// Measures the machine's memory read bandwidth: every thread sums its own slice of a buffer far larger than
/// the last-level cache with wide vector loads, so the time is DRAM streaming, not cache hits. This is the
/// bound for batch-1 decoding, which must read every decoder weight once per token.
/// Hand-written because no maintained .NET package does this (STREAM is C; its "copy" also writes).
/// </summary>
public static class MemoryBandwidthMeter
{
    public static MemoryBandwidth Measure(int threads, int passes = 5, long? bufferBytes = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(passes);
        var llc = LastLevelCacheBytes();
        // 32x the LLC keeps the cache's share below 3%; at least 256 MiB, at most 1 GiB so small boards cope.
        var size = bufferBytes ?? Math.Clamp(32 * llc, 256L << 20, 1L << 30);
        size -= size % (threads * 4096L);
        var best = 0.0;
        // A managed array (no unsafe code): 1 GiB of ulong is well within array limits.
        var buffer = GC.AllocateUninitializedArray<ulong>((int)(size / sizeof(ulong)));
        // Touch every page first so the passes measure reads, not page faults.
        Array.Fill(buffer, 1UL);
        var slice = buffer.Length / threads;
        for (var pass = 0; pass < passes; pass++)
        {
            var seconds = TimeParallelRead(buffer, slice, threads);
            best = Math.Max(best, size / seconds);
        }

        return new MemoryBandwidth(best, size, llc, threads, passes);
    }

    private static double TimeParallelRead(ulong[] buffer, int slice, int threads)
    {
        using var ready = new CountdownEvent(threads);
        using var go = new ManualResetEventSlim(false);
        var sinks = new ulong[threads];
        var workers = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var index = t;
            workers[t] = new Thread(() =>
            {
                ready.Signal();
                go.Wait();
                sinks[index] = SumSlice(buffer.AsSpan(index * slice, slice));
            }) { IsBackground = true, Name = $"bandwidth-{t}" };
            workers[t].Start();
        }

        ready.Wait();
        var start = Stopwatch.GetTimestamp();
        go.Set();
        foreach (var w in workers)
        {
            w.Join();
        }

        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        // The sums are kept so the JIT cannot drop the loads; their value is irrelevant.
        GC.KeepAlive(sinks);
        return seconds;
    }

    private static ulong SumSlice(ReadOnlySpan<ulong> slice)
    {
        var vectors = MemoryMarshal.Cast<ulong, Vector<ulong>>(slice);
        // Four independent accumulators keep several loads in flight per core.
        Vector<ulong> a = default, b = default, c = default, d = default;
        var i = 0;
        for (; i + 4 <= vectors.Length; i += 4)
        {
            a += vectors[i];
            b += vectors[i + 1];
            c += vectors[i + 2];
            d += vectors[i + 3];
        }

        for (; i < vectors.Length; i++)
        {
            a += vectors[i];
        }

        return Vector.Sum(a + b + c + d);
    }

    /// <summary>The largest cache of cpu0 from /sys/devices/system/cpu/cpu0/cache/index*/size (Linux), 0 when unknown.</summary>
    public static long LastLevelCacheBytes()
    {
        const string Root = "/sys/devices/system/cpu/cpu0/cache";
        if (!Directory.Exists(Root))
        {
            return 0;
        }

        long largest = 0;
        foreach (var dir in Directory.EnumerateDirectories(Root, "index*"))
        {
            var file = Path.Combine(dir, "size");
            if (File.Exists(file))
            {
                largest = Math.Max(largest, ParseSize(File.ReadAllText(file).Trim()));
            }
        }

        return largest;
    }

    /// <summary>"32768K", "16M", "512" -> bytes.</summary>
    internal static long ParseSize(string text)
    {
        if (text.Length == 0)
        {
            return 0;
        }

        var multiplier = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 1024L,
            'M' => 1024L * 1024,
            'G' => 1024L * 1024 * 1024,
            _ => 1L,
        };
        var digits = multiplier == 1 ? text : text[..^1];
        return long.TryParse(digits, out var n) ? n * multiplier : 0;
    }
}
