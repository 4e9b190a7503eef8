namespace EdgePali.Bench;

/// <summary>
/// Resident memory of this process from /proc/self/status: VmRSS (now) and VmHWM (the peak since start).
/// Linux only (the boards run Linux); elsewhere both read as 0 and the report says so.
/// </summary>
public static class ProcessMemory
{
    public static long CurrentRssBytes() => Read("VmRSS:");

    public static long PeakRssBytes() => Read("VmHWM:");

    private static long Read(string field)
    {
        const string Status = "/proc/self/status";
        if (!File.Exists(Status))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(Status))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                // "VmHWM:	  123456 kB"
                var parts = line[field.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return parts.Length > 0 && long.TryParse(parts[0], out var kb) ? kb * 1024 : 0;
            }
        }

        return 0;
    }
}
