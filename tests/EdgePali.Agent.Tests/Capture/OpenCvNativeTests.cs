using System.Runtime.InteropServices;
using EdgePali.Shared;

namespace EdgePali.Agent.Tests.Capture;

/// <summary>What the user is told when OpenCV's native library does not load, from the loader's own error text.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class OpenCvNativeTests
{
    // The shape of .NET's DllNotFoundException message on Linux: every probed path with dlopen's error.
    private const string Probes =
        "Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies. In order to help diagnose loading problems, "
        + "consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG environment variable: \n";

    [Fact]
    public void MissingGtkOnX64_NamesTheDebianPackage()
    {
        var message = Probes + "libgtk-3.so.0: cannot open shared object file: No such file or directory\n"
            + "/opt/edgepali/OpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n";

        var text = OpenCvNative.Describe(message, Architecture.X64);

        Assert.Equal("its system dependency libgtk-3.so.0 is missing. Install it: sudo apt-get install libgtk-3-0 (docs/deploy.md, section \"Cameras and OpenCV\").", text);
    }

    [Fact]
    public void OtherMissingDependency_IsNamed()
    {
        var text = OpenCvNative.Describe(Probes + "libavcodec.so.59: cannot open shared object file: No such file or directory\n", Architecture.X64);

        Assert.StartsWith("its system dependency libavcodec.so.59 is missing.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void NoLibraryOnArm64_SaysToBuildIt()
    {
        var message = Probes + "/opt/edgepali/libOpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n"
            + "libOpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n";

        var text = OpenCvNative.Describe(message, Architecture.Arm64);

        Assert.Equal(
            "no prebuilt OpenCvSharpExtern exists for linux-arm64: build it and copy libOpenCvSharpExtern.so next to the program (docs/deploy.md, section \"Cameras and OpenCV\").",
            text);
    }
}
