using System.Runtime.CompilerServices;

namespace EdgePali.Agent.Tests.Support;

/// <summary>
/// The worker's HTTP server listens on 127.0.0.1:8780 by default; test hosts run side by side (and next to a worker a
/// developer may be running), so every host these tests start, in-process or as a child process, listens on a port
/// the system picks unless the test names one (--Http:Urls on the command line wins over the environment).
/// </summary>
internal static class HttpTestDefaults
{
    [ModuleInitializer]
    internal static void ListenOnAnEphemeralPort() =>
        Environment.SetEnvironmentVariable("EDGEPALI_Http__Urls", "http://127.0.0.1:0");
}
