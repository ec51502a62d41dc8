using System.Net.Sockets;
using System.Text;
using Exchange.Host.Service;

namespace Exchange.IntegrationTests.Service;

public sealed class SystemdNotifierTests : IDisposable
{
    private readonly TempDirectory _folder = new("exchange-notify");

    [Theory]
    [InlineData("30000000", null, 15.0)]
    [InlineData("30000000", "4242", 15.0)]
    [InlineData("30000000", "1", null)] // another process's watchdog
    [InlineData("0", null, null)]
    [InlineData("abc", null, null)]
    [InlineData(null, null, null)]
    public void WatchdogInterval_IsHalfOfWatchdogUsec_ForThisProcessOnly(string? usec, string? pid, double? expectedSeconds) =>
        Assert.Equal(expectedSeconds, SystemdNotifier.WatchdogInterval(usec, pid, 4242)?.TotalSeconds);

    [Fact]
    public void Status_IsOneBoundedLine()
    {
        Assert.Equal("STATUS=a b", SystemdNotifier.Status("a\nb"));
        Assert.Equal(7 + 200, SystemdNotifier.Status(new string('x', 500)).Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Send_DeliversOneDatagram_ToAPathOrAnAbstractSocket(bool isAbstract)
    {
        var name = isAbstract ? "@exchange-test-" + Guid.NewGuid().ToString("N") : _folder.File("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(isAbstract ? "\0" + name[1..] : name));
        socket.ReceiveTimeout = 5000;

        using var notifier = new SystemdNotifier(name);
        Assert.True(notifier.IsEnabled);
        Assert.True(notifier.Send("READY=1\nSTATUS=ok"));

        var buffer = new byte[256];
        var read = socket.Receive(buffer);
        Assert.Equal("READY=1\nSTATUS=ok", Encoding.UTF8.GetString(buffer, 0, read));
    }

    [Fact]
    public void WithoutNotifySocket_NothingIsSent()
    {
        using var notifier = new SystemdNotifier(null);
        Assert.False(notifier.IsEnabled);
        Assert.False(notifier.Send("READY=1"));
    }

    public void Dispose() => _folder.Dispose();
}
