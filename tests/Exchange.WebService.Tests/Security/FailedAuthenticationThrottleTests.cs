using System.Net;
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
}
