using System.Net;
using Exchange.WebService.Soap;
using Microsoft.Extensions.Time.Testing;
using static Exchange.WebService.Tests.Infrastructure.ExchangeServiceHost;

namespace Exchange.WebService.Tests.Security;

/// <summary>Password guessing from one address is bounded: past the allowance, credentials are not even checked.</summary>
public sealed class FailedAuthenticationThrottleTests
{
    [Fact]
    public async Task FailedAuthenticationsBeyondTheAllowance_AreRefusedWith429_UntilTheMinuteIsOver()
    {
        await using var host = await StartAsync(configure: o => o.Security.RateLimit.FailedAuthenticationsPerMinute = 3);
        for (var i = 0; i < 3; i++)
        {
            (await host.CallAsync("<x:Poll/>", password: "wrong-password")).AssertFault("AuthFailed");
        }

        var blocked = await host.CallAsync("<x:Poll/>");

        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.Status);
        Assert.Equal("AuthFailed", blocked.FaultCode);
        Assert.Equal(60, blocked.RetryAfter);
        Assert.Contains("Too many failed authentications", blocked.FaultMessage, StringComparison.Ordinal);

        host.Time.Advance(TimeSpan.FromSeconds(61));
        (await host.CallAsync("<x:Poll/>")).Ok("PollResponse");
    }

    [Fact]
    public async Task SuccessfulCalls_DoNotCountAgainstTheAllowance()
    {
        await using var host = await StartAsync(configure: o => o.Security.RateLimit.FailedAuthenticationsPerMinute = 1);
        const string Ack = "<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>0</x:Seq></x:Ack>";
        for (var i = 0; i < 5; i++)
        {
            (await host.CallAsync(Ack)).Ok("AckResponse");
        }

        (await host.CallAsync(Ack, password: "wrong-password")).AssertFault("AuthFailed");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await host.CallAsync(Ack)).Status);
    }

    [Fact]
    public async Task ANewMinute_DropsTheWholeTable_InsteadOfSweepingIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
        var throttle = new FailedAuthenticationThrottle(time, perMinute: 2);
        for (var i = 0; i < 5_000; i++)
        {
            await throttle.FailedAsync($"198.51.{i / 256}.{i % 256}", default);
        }

        await throttle.FailedAsync("198.51.0.0", default);
        Assert.Equal(5_000, throttle.TrackedAddresses);
        Assert.Equal(60, throttle.SecondsToWait("198.51.0.0"));

        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0, throttle.SecondsToWait("198.51.0.0"));
        Assert.Equal(0, throttle.TrackedAddresses);
    }

    [Fact]
    public async Task AddressesBeyondTheTableSize_ShareOneAllowance()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
        var throttle = new FailedAuthenticationThrottle(time, perMinute: 3);
        for (var i = 0; i < FailedAuthenticationThrottle.MaxAddresses; i++)
        {
            await throttle.FailedAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture), default);
        }

        await throttle.FailedAsync("overflow-1", default);
        await throttle.FailedAsync("overflow-2", default);
        Assert.Equal(0, throttle.SecondsToWait("overflow-3"));
        await throttle.FailedAsync("overflow-3", default);

        Assert.Equal(FailedAuthenticationThrottle.MaxAddresses, throttle.TrackedAddresses);
        Assert.True(throttle.SecondsToWait("overflow-4") > 0);
        Assert.Equal(0, throttle.SecondsToWait("42"));
    }
}
