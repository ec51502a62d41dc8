using Exchange.Host.Service;

namespace Exchange.IntegrationTests.Service;

/// <summary>The part of sd_notify Microsoft.Extensions.Hosting.Systemd does not cover: the watchdog interval and the status line.</summary>
public sealed class SystemdWatchdogTests
{
    [Theory]
    [InlineData("30000000", null, 15.0)]
    [InlineData("30000000", "4242", 15.0)]
    [InlineData("30000000", "1", null)] // another process's watchdog
    [InlineData("0", null, null)]
    [InlineData("abc", null, null)]
    [InlineData(null, null, null)]
    public void WatchdogInterval_IsHalfOfWatchdogUsec_ForThisProcessOnly(string? usec, string? pid, double? expectedSeconds) =>
        Assert.Equal(expectedSeconds, SystemdWatchdog.WatchdogInterval(usec, pid, 4242)?.TotalSeconds);

    [Fact]
    public void Status_IsOneBoundedLine()
    {
        Assert.Equal("STATUS=a b", SystemdWatchdog.Status("a\nb"));
        Assert.Equal(7 + 200, SystemdWatchdog.Status(new string('x', 500)).Length);
    }
}
