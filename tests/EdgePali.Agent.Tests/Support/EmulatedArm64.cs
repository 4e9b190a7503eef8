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
            start = new ProcessStartInfo(Qemu, [program, .. arguments]);
            // Without this the runtime dies under qemu with SIGSEGV within seconds (measured; dotnet/runtime#94909).
            // .NET's W^X mode writes code through a second, writable mapping of the executable pages, and qemu's
            // translation cache does not see writes made through such an alias. With W^X off the runtime writes
            // code in place, which qemu tracks. Only emulation needs this: the board keeps the default.
            start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        }

        return ProcessRunner.RunAsync(start, Deadline);
    }
}
