using System.Net;
using System.Security.Cryptography;
using Exchange.WebService.Operator;
using Exchange.Core.Security;
using Exchange.WebService.Tests.Infrastructure;
using static Exchange.WebService.Tests.Infrastructure.ExchangeServiceHost;

namespace Exchange.WebService.Tests.Security;

/// <summary>
/// The service as the boundary between the insurers' network and the social-security side: clear-text credentials only
/// over TLS or from loopback, digest nonces accepted once whatever their encoding, and strangers costing bounded state.
/// The non-loopback caller is the documentation address 198.51.100.7, forwarded by a trusted proxy on 127.0.0.1: no
/// traffic leaves loopback.
/// </summary>
public sealed class TrustBoundaryTests
{
    private const string Stranger = "198.51.100.7";

    [Theory]
    [InlineData(Credentials.Basic, "HTTP Basic")]
    [InlineData(Credentials.UsernameToken, "PasswordText")]
    public async Task ClearTextCredentials_OverPlainHttpFromANonLoopbackAddress_AreRefused_EvenWhenRight(Credentials credentials, string named)
    {
        await using var host = await StartAsync(service: s => s.Web.TrustedProxies = ["127.0.0.1"]);
        await host.AppendBatchAsync("AC01", 1);

        var reply = await host.CallAsync("<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>1</x:Seq></x:Ack>", credentials, prepare: From(Stranger));

        reply.AssertFault("AuthFailed");
        Assert.Contains("accepted only over HTTPS or from loopback", reply.FaultMessage, StringComparison.Ordinal);
        Assert.Contains(named, reply.FaultMessage, StringComparison.Ordinal);
        Assert.Contains(Stranger, reply.FaultMessage, StringComparison.Ordinal);
        Assert.Equal(0, await host.Store.GetCursorAsync(InsurerA, "AC01", default));
        Assert.Contains(await host.AuditAsync(), a => a is { Principal: "(anonymous)", Outcome: "AuthFailed", RemoteAddress: Stranger });
    }

    [Fact]
    public async Task ClearTextCredentials_ForwardedOverHttps_OrFromLoopback_AreAccepted()
    {
        await using var host = await StartAsync(service: s => s.Web.TrustedProxies = ["127.0.0.1"]);

        (await host.CallAsync("<x:Poll/>", Credentials.Basic, prepare: From(Stranger, "https"))).Ok("PollResponse");
        (await host.CallAsync("<x:Poll/>", Credentials.UsernameToken, user: InsurerB, password: InsurerBPassword)).Ok("PollResponse");
    }

    [Fact]
    public async Task ForwardingHeaders_FromAPeerThatIsNotATrustedProxy_AreIgnored()
    {
        await using var host = await StartAsync();

        // Without Web:TrustedProxies the peer is loopback, whatever the caller claims.
        (await host.CallAsync("<x:Poll/>", Credentials.Basic, prepare: From(Stranger))).Ok("PollResponse");
        Assert.Contains(await host.AuditAsync(), a => a is { Principal: InsurerA, RemoteAddress: "127.0.0.1" });
    }

    [Fact]
    public async Task PasswordDigest_OverPlainHttpFromANonLoopbackAddress_IsAccepted()
    {
        await using var host = await StartAsync(service: s => s.Web.TrustedProxies = ["127.0.0.1"]);
        var envelope = Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", Envelopes.DigestToken(DigestInsurer, DigestSecret, host.Time.GetUtcNow()));

        var reply = await host.SendAsync(Post(envelope, From(Stranger)));

        reply.Ok("PollResponse");
    }

    [Theory]
    [InlineData("space")]
    [InlineData("line break")]
    [InlineData("tab and CRLF")]
    [InlineData("padding bits")]
    public async Task PasswordDigest_ReplayedWithTheNonceReEncoded_IsRefused(string how)
    {
        await using var host = await StartAsync();
        var nonce = RandomNumberGenerator.GetBytes(16);
        nonce[^1] = 0x41; // 16 bytes end in a 4-bit remainder: "...QQ==" can be re-encoded as "...QR==" with other padding bits
        var token = Envelopes.DigestToken(DigestInsurer, DigestSecret, host.Time.GetUtcNow(), nonce);
        var text = Convert.ToBase64String(nonce);
        var reencoded = how switch
        {
            "space" => text[..8] + " " + text[8..],
            "line break" => text[..12] + "\n" + text[12..],
            "tab and CRLF" => "\t" + text[..4] + "\r\n" + text[4..],
            _ => text[..^3] + (char)(text[^3] + 1) + "==",
        };
        Assert.Equal(nonce, Convert.FromBase64String(reencoded));

        (await host.PostRawAsync(Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", token), "text/xml")).Ok("PollResponse");
        var replay = await host.PostRawAsync(Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", token.Replace($">{text}<", $">{reencoded}<", StringComparison.Ordinal)), "text/xml");

        replay.AssertFault("AuthFailed");
        Assert.Contains("already used", replay.FaultMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordDigest_NonceIsRecordedOnlyOnceTheRateLimitAdmitsTheCall()
    {
        await using var host = await StartAsync(configure: o =>
        {
            o.Security.RateLimit.PermitsPerSecond = 1;
            o.Security.RateLimit.Burst = 1;
        });
        var nonces = (NonceReplayCache)host.Service<INonceStore>();
        (await host.PostRawAsync(Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", Envelopes.DigestToken(DigestInsurer, DigestSecret, host.Time.GetUtcNow())), "text/xml")).Ok("PollResponse");
        var second = Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", Envelopes.DigestToken(DigestInsurer, DigestSecret, host.Time.GetUtcNow()));

        var limited = await host.PostRawAsync(second, "text/xml");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Equal(1, nonces.CountFor(DigestInsurer));

        // The refused token's nonce was not spent: once the bucket refills, the same token is accepted.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        (await host.PostRawAsync(second, "text/xml")).Ok("PollResponse");
        Assert.Equal(2, nonces.CountFor(DigestInsurer));
    }

    [Fact]
    public async Task TenThousandMadeUpOperationNames_DoNotGrowTheMetricSeries()
    {
        await using var host = await StartAsync();
        var metrics = PrometheusMetrics.Instance;
        var junk = Enumerable.Range(0, 10_000).Select(i => $"<x:Junk{i:D5}xyz/>").ToArray();
        (await host.CallAsync(junk[0], Credentials.None)).AssertFault("AuthFailed");
        var before = OtherSeries(await metrics.ScrapeAsync());

        await Parallel.ForEachAsync(junk.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (body, _) =>
        {
            var reply = await host.CallAsync(body, Credentials.None);
            Assert.Equal("AuthFailed", reply.FaultCode);
        });

        var after = await metrics.ScrapeAsync();
        Assert.DoesNotContain("Junk", after, StringComparison.Ordinal);
        Assert.Equal(before, OtherSeries(after));
        Assert.NotEmpty(before);
    }

    [Fact]
    public async Task Strangers_AreAuditedOneRowPerAddressOutcomeAndMinute_WithTheirCount()
    {
        await using var host = await StartAsync(service: s => s.Web.TrustedProxies = ["127.0.0.1"]);
        string[] addresses = ["198.51.100.1", "198.51.100.2", "198.51.100.3"];
        foreach (var address in addresses)
        {
            for (var i = 0; i < 40; i++)
            {
                await host.CallAsync("<x:Poll/>", Credentials.None, prepare: From(address));
            }
        }

        await host.PostRawAsync("<not-xml", "text/xml", basicAuth: $"{InsurerA}:{InsurerAPassword}");
        (await host.CallAsync("<x:Poll/>")).Ok("PollResponse");
        (await host.CallAsync("<x:Poll/>", user: InsurerB, password: InsurerBPassword)).Ok("PollResponse");

        var audit = await host.AuditAsync();
        var strangers = audit.Where(a => a.Principal == "(anonymous)").ToList();
        foreach (var address in addresses)
        {
            var row = Assert.Single(strangers, a => a.RemoteAddress == address);
            Assert.Equal(40, row.Calls);
            Assert.Equal("AuthFailed", row.Outcome);
        }

        var malformed = Assert.Single(strangers, a => a.RemoteAddress == "127.0.0.1");
        Assert.Equal("InvalidRequest", malformed.Outcome);
        Assert.Equal(4, strangers.Count);

        // Authenticated calls keep a row each.
        Assert.Single(audit, a => a is { Principal: InsurerA, Operation: "Poll", Calls: 1 });
        Assert.Single(audit, a => a is { Principal: InsurerB, Operation: "Poll", Calls: 1 });
    }

    [Fact]
    public async Task Strangers_BeyondTheRowsPerMinute_AreCountedInOneSummaryRow()
    {
        await using var host = await StartAsync(
            configure: o => o.Security.RateLimit.StrangerAuditRowsPerMinute = 3,
            service: s => s.Web.TrustedProxies = ["127.0.0.1"]);
        for (var i = 1; i <= 10; i++)
        {
            await host.CallAsync("<x:Poll/>", Credentials.None, prepare: From($"198.51.100.{i}"));
            await host.CallAsync("<x:Poll/>", Credentials.None, prepare: From($"198.51.100.{i}"));
        }

        var strangers = (await host.AuditAsync()).Where(a => a.Principal == "(anonymous)").ToList();

        Assert.Equal(4, strangers.Count);
        Assert.Equal(20, strangers.Sum(a => a.Calls));
        Assert.Equal(14, Assert.Single(strangers, a => a.RemoteAddress == "(others)").Calls);
    }

    [Fact]
    public async Task Strangers_InANewMinute_GetNewRows()
    {
        await using var host = await StartAsync();
        await host.CallAsync("<x:Poll/>", Credentials.None);
        await host.CallAsync("<x:Poll/>", Credentials.None);
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await host.CallAsync("<x:Poll/>", Credentials.None);

        var strangers = (await host.AuditAsync()).Where(a => a.Principal == "(anonymous)").OrderBy(a => a.At).ToList();

        Assert.Equal([2, 1], strangers.Select(a => a.Calls));
        Assert.Equal(TimeSpan.FromMinutes(1), strangers[1].At - strangers[0].At);
    }

    [Fact]
    public async Task StateChangingCalls_AreAuditedOnce_ByTheTransactionOfTheirEffect()
    {
        await using var host = await StartAsync();
        await host.AppendBatchAsync("AC01", 2);
        const string Ack = "<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>1</x:Seq></x:Ack>";

        (await host.CallAsync(Ack)).Ok("AckResponse");
        (await host.CallAsync(Ack)).Ok("AckResponse");
        (await host.CallAsync("<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>9</x:Seq></x:Ack>")).AssertFault("AckOutOfRange");

        var acks = (await host.AuditAsync()).Where(a => a.Operation == "Ack").ToList();
        Assert.Equal(["ok", "ok", "AckOutOfRange"], acks.Select(a => a.Outcome));
        Assert.All(acks, a => Assert.Equal((InsurerA, "AC01:" + (a.Outcome == "ok" ? "1" : "9")), (a.Principal, a.ObjectId)));
        Assert.Equal(3, host.Logs.Lines.Count(l => l.Contains("operation=Ack ", StringComparison.Ordinal)));
    }

    private static Action<HttpRequestMessage> From(string address, string? proto = null) => request =>
    {
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", address);
        if (proto is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", proto);
        }
    };

    private static HttpRequestMessage Post(string envelope, Action<HttpRequestMessage> prepare)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/ExchangeService") { Content = new StringContent(envelope, System.Text.Encoding.UTF8, "text/xml") };
        prepare(request);
        return request;
    }

    // The series of made-up operations that these calls can touch (other tests running alongside may add other outcomes).
    private static List<string> OtherSeries(string exposition) =>
    [
        .. exposition.Split('\n')
            .Where(l => l.Contains("operation=\"other\"", StringComparison.Ordinal))
            .Where(l => !l.Contains("outcome=", StringComparison.Ordinal) || l.Contains("outcome=\"AuthFailed\"", StringComparison.Ordinal))
            .Select(l => l[..l.LastIndexOf(' ')]),
    ];
}
