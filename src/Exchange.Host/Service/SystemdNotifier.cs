using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Exchange.Host.Service;

/// <summary>
/// The sd_notify protocol: one datagram per message to the Unix socket named by <c>NOTIFY_SOCKET</c>
/// (a path, or <c>@name</c> for the abstract namespace). Without the variable every call does nothing.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    public const string SocketVariable = "NOTIFY_SOCKET";
    public const string WatchdogVariable = "WATCHDOG_USEC";
    public const string WatchdogPidVariable = "WATCHDOG_PID";

    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly Lock _send = new();

    public SystemdNotifier(string? socketPath)
    {
        if (string.IsNullOrEmpty(socketPath) || !OperatingSystem.IsLinux())
        {
            return;
        }

        // "@name" is the abstract namespace: the socket name starts with a NUL byte.
        _endPoint = new UnixDomainSocketEndPoint(socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>The notifier for this process's environment.</summary>
    public static SystemdNotifier FromEnvironment() => new(Environment.GetEnvironmentVariable(SocketVariable));

    /// <summary>True when the service manager asked for notifications.</summary>
    public bool IsEnabled => _socket is not null;

    /// <summary>Sends one message (lines <c>KEY=value</c>); false when it could not be delivered.</summary>
    public bool Send(string message)
    {
        if (_socket is null)
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        try
        {
            lock (_send)
            {
                return _socket.SendTo(bytes, SocketFlags.None, _endPoint!) == bytes.Length;
            }
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// How often to send <c>WATCHDOG=1</c>: half of <c>WATCHDOG_USEC</c>, when it is set and <c>WATCHDOG_PID</c> is absent
    /// or names this process; null otherwise.
    /// </summary>
    public static TimeSpan? WatchdogInterval(string? watchdogUsec, string? watchdogPid, int processId)
    {
        if (!string.IsNullOrEmpty(watchdogPid)
            && (!int.TryParse(watchdogPid, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid != processId))
        {
            return null;
        }

        if (!long.TryParse(watchdogUsec, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(usec / 2.0);
    }

    /// <summary>A <c>STATUS=</c> message: one line, at most 200 characters (systemctl status shows one line).</summary>
    public static string Status(string text)
    {
        var line = (text ?? "").ReplaceLineEndings(" ");
        return "STATUS=" + (line.Length <= 200 ? line : line[..199] + "…");
    }

    public void Dispose() => _socket?.Dispose();
}
