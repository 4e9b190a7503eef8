using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EdgePali.Agent.Tests.Support;

/// <summary>
/// Runs a linux-arm64 program: under Debian's qemu-user-static on an x64 machine, directly on an arm64 one.
/// </summary>
public static class EmulatedArm64
{
    /// <summary>Generous: .NET start-up, JIT and ORT run 10-30x slower under user-mode emulation.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(10);

    private const string Qemu = "/usr/bin/qemu-aarch64-static";

    private const string Unshare = "/usr/bin/unshare";

    /// <summary>
    /// Bind-mounts $1 over /proc/cpuinfo in a private mount namespace, then runs the rest. QEMU 7.2's user mode hands
    /// an aarch64 program the host's x86 /proc/cpuinfo (it fakes the file for a few targets, not this one), and
    /// ONNX Runtime's cpuinfo library, looking for ARM fields there, dereferenced null on an Intel host (family 6
    /// model 207; AMD hosts happened to pass): every session creation died with SIGSEGV. A board has a real ARM
    /// /proc/cpuinfo; the tests give the emulated one a Cortex-A76's (the Raspberry Pi 5's core).
    /// </summary>
    private const string FakeCpuInfoScript = "mount --bind \"$1\" /proc/cpuinfo && shift && exec \"$@\"";

    private static string ArmCpuInfo => Path.Combine(RepositoryPaths.Root, "tests", "arm64", "cpuinfo-cortex-a76");

    /// <summary>A private mount namespace needs root (./test.sh and CI run as root, for apt); without it, plain qemu.</summary>
    private static bool CanFakeCpuInfo() => Environment.UserName == "root" && File.Exists(Unshare) && File.Exists(ArmCpuInfo);

    public static Task<FinishedProcess> RunAsync(string program, params string[] arguments)
    {
        ProcessStartInfo start;
        if (RuntimeInformation.OSArchitecture == Architecture.Arm64)
        {
            start = new ProcessStartInfo(program, arguments);
        }
        else
        {
            if (!File.Exists(Qemu))
            {
                throw new InvalidOperationException($"{Qemu} is missing: install the Debian package qemu-user-static and the arm64 libraries (./test.sh does; docs/deploy.md).");
            }

            // No -L prefix: the arm64 loader and libraries come from Debian multiarch (libc6:arm64, libstdc++6:arm64,
            // libssl3:arm64) at the paths an arm64 Debian has them, so qemu finds them through the host's root.
            start = CanFakeCpuInfo()
                ? new ProcessStartInfo(Unshare, ["--mount", "--propagation", "private", "sh", "-c", FakeCpuInfoScript, "sh", ArmCpuInfo, Qemu, program, .. arguments])
                : new ProcessStartInfo(Qemu, [program, .. arguments]);
            // Without this the runtime dies under qemu with SIGSEGV within seconds (measured; dotnet/runtime#94909).
            // .NET's W^X mode writes code through a second, writable mapping of the executable pages, and qemu's
            // translation cache does not see writes made through such an alias. With W^X off the runtime writes
            // code in place, which qemu tracks. Only emulation needs this: the board keeps the default.
            start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        }

        return ProcessRunner.RunAsync(start, Deadline);
    }
}
