using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace EdgePali.Bench;

/// <summary>The machine a benchmark ran on, printed with every result so figures can be compared across boards.</summary>
/// <param name="CpuModel">"model name" from /proc/cpuinfo (x86), else the board's "Model" line (Raspberry Pi), else the architecture.</param>
/// <param name="LogicalCores">Cores this process may use.</param>
/// <param name="LoadAverage">1, 5 and 15 minute load averages from /proc/loadavg when the run started (a busy machine skews everything).</param>
public sealed record MachineDescription(
    string CpuModel,
    int LogicalCores,
    long TotalMemoryBytes,
    string Architecture,
    string OperatingSystem,
    string DotNetVersion,
    string OnnxRuntimeVersion,
    IReadOnlyList<double> LoadAverage)
{
    public static MachineDescription Detect() => new(
        ReadCpuModel(),
        Environment.ProcessorCount,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        RuntimeInformation.ProcessArchitecture.ToString(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        OrtEnv.Instance().GetVersionString(),
        LoadAverageNow());

    /// <summary>1, 5 and 15 minute load averages, or empty off Linux.</summary>
    public static IReadOnlyList<double> LoadAverageNow()
    {
        const string LoadAvgPath = "/proc/loadavg";
        if (!File.Exists(LoadAvgPath))
        {
            return [];
        }

        var parts = File.ReadAllText(LoadAvgPath).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return [.. parts.Take(3).Select(p => double.TryParse(p, out var v) ? v : double.NaN)];
    }

    private static string ReadCpuModel()
    {
        const string CpuInfoPath = "/proc/cpuinfo";
        if (File.Exists(CpuInfoPath))
        {
            var lines = File.ReadAllLines(CpuInfoPath);
            // x86 has "model name"; ARM64 kernels have no model name per core but Raspberry Pi firmware adds "Model".
            foreach (var key in new[] { "model name", "Model", "Hardware" })
            {
                var line = lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal));
                if (line is not null)
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }

        return RuntimeInformation.ProcessArchitecture + " CPU";
    }
}
