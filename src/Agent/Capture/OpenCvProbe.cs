using OpenCvSharp;

namespace EdgePali.Agent.Capture;

/// <summary>Whether OpenCvSharp's native library (OpenCvSharpExtern) loads on this machine.</summary>
public static class OpenCvProbe
{
    public static bool IsAvailable(out string? problem)
    {
        try
        {
            _ = Cv2.GetVersionString();
            problem = null;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException)
        {
            problem = e.GetBaseException().Message;
            return false;
        }
    }
}
