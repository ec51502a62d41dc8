using System.Net;
using System.Net.Sockets;

namespace Exchange.IntegrationTests.Infrastructure;

/// <summary>
/// Loopback ports for test daemons and clusters. Binding port 0 hands out a port from the kernel's ephemeral range
/// (32768–60999 here), where outgoing connections also take their local ports, so the port could be taken again
/// between the probe and the daemon's bind. These come from below that range, checked free by binding, never twice
/// in one test run.
/// </summary>
public static class FreePorts
{
    private const int First = 20000;
    private const int Last = 32000;
    private static readonly HashSet<int> Given = [];
    private static readonly Lock Guard = new();

    public static int Next()
    {
        lock (Guard)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (!Given.Add(port))
                {
                    continue;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // In use by something else: try another.
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port found between {First} and {Last}.");
    }
}
