using System.Net;
using System.Net.Sockets;

namespace EdgePali.Testing;

/// <summary>Free TCP ports on the loopback interface for servers a test starts (brokers, HTTP stubs, health endpoints).</summary>
public static class FreePort
{
    /// <summary>
    /// A port the operating system just handed out and released. Another process could take it before the test
    /// binds it; the OS hands ports out round-robin, so in practice it stays free for the moment the test needs.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
