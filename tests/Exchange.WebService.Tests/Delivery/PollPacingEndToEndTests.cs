using System.Net;
using Exchange.Core.Delivery;
using Exchange.WebService.Tests.Infrastructure;
using static Exchange.WebService.Tests.Infrastructure.ExchangeServiceHost;

namespace Exchange.WebService.Tests.Delivery;

/// <summary>The agreed minimum poll interval: PollTooSoon with the seconds to wait.</summary>
public sealed class PollPacingEndToEndTests
{
    [Fact]
    public async Task Poll_SoonerThanAgreed_IsPollTooSoon_WithTheSecondsToWait_InDetailAndRetryAfter()
    {
        await using var host = await StartAsync(); // insurer-a: MinPollInterval 30 s
        (await host.CallAsync("<x:Poll/>")).Ok("PollResponse");
        host.Time.Advance(TimeSpan.FromSeconds(10));

        var early = await host.CallAsync("<x:Poll/>");

        early.AssertFault("PollTooSoon");
        Assert.Equal(20, early.RetryAfter);
        Assert.Equal("20", early.Body.Descendants(SoapReply.X + "RetryAfterSeconds").Single().Value);
        Assert.Contains("poll again in 20 s", early.FaultMessage, StringComparison.Ordinal);
        Assert.Contains(await host.AuditAsync(), a => a is { Principal: InsurerA, Operation: "Poll", Outcome: "PollTooSoon" });

        host.Time.Advance(TimeSpan.FromSeconds(20));
        (await host.CallAsync("<x:Poll/>")).Ok("PollResponse");
    }

    [Fact]
    public async Task Poll_ThatWasRefused_DoesNotCountAgainstTheInterval()
    {
        await using var host = await StartAsync();

        (await host.CallAsync("<x:Poll><x:Dataset>AC43</x:Dataset></x:Poll>")).AssertFault("Forbidden");
        (await host.CallAsync("<x:Poll/>")).Ok("PollResponse");
    }

    [Fact]
    public async Task PollTooSoon_IsPerPrincipal_AndOtherOperationsAreNotPaced()
    {
        await using var host = await StartAsync();
        await host.AppendBatchAsync("AC01", 1);
        (await host.CallAsync("<x:Poll/>")).Ok("PollResponse");

        (await host.CallAsync("<x:Poll/>", user: InsurerB, password: InsurerBPassword)).Ok("PollResponse");
        (await host.CallAsync("<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>1</x:Seq></x:Ack>")).Ok("AckResponse");
    }

    [Theory]
    [InlineData(30.0, null, 0.0, 0)]
    [InlineData(30.0, 0.0, 10.0, 20)]
    [InlineData(30.0, 0.0, 29.0, 0)]    // within the one-second tolerance of a timer that fires a little early
    [InlineData(30.0, 0.0, 28.5, 2)]
    [InlineData(5.0, 0.0, 4.4, 1)]      // tolerance is a tenth of the interval: 0.5 s
    [InlineData(5.0, 0.0, 4.6, 0)]
    [InlineData(0.0, 0.0, 0.0, 0)]
    public void SecondsToWait_IsTheRestOfTheInterval_LessATolerance(double interval, double? lastAt, double nowAt, int expected)
    {
        var origin = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

        var wait = PollPacer.SecondsToWait(TimeSpan.FromSeconds(interval), lastAt is { } l ? origin.AddSeconds(l) : null, origin.AddSeconds(nowAt));

        Assert.Equal(expected, wait);
    }

    [Fact]
    public async Task RateLimit_BeyondTheBurst_IsHttp429_WithRetryAfter_AndAnUnavailableFault()
    {
        await using var host = await StartAsync(configure: o =>
        {
            o.Security.RateLimit.PermitsPerSecond = 1;
            o.Security.RateLimit.Burst = 2;
        });
        const string Ack = "<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>0</x:Seq></x:Ack>";

        (await host.CallAsync(Ack)).Ok("AckResponse");
        (await host.CallAsync(Ack)).Ok("AckResponse");
        var limited = await host.CallAsync(Ack);
        var other = await host.CallAsync("<x:Ack><x:Dataset>AC43</x:Dataset><x:Seq>0</x:Seq></x:Ack>", user: InsurerB, password: InsurerBPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.True(limited.RetryAfter >= 1, $"Retry-After was {limited.RetryAfter}");
        Assert.Equal("Unavailable", limited.FaultCode);
        Assert.Contains("rate limit", limited.FaultMessage, StringComparison.Ordinal);
        other.Ok("AckResponse");
        Assert.Contains(await host.AuditAsync(), a => a is { Principal: InsurerA, Outcome: "Unavailable" });
    }
}
