using System.Net;
using System.Security.Cryptography;
using static Exchange.WebService.Tests.Infrastructure.ExchangeServiceHost;

namespace Exchange.WebService.Tests.Security;

/// <summary>WS-Security UsernameToken PasswordDigest: nonce, Created within ±5 minutes, each nonce once.</summary>
public sealed class PasswordDigestEndToEndTests
{
    [Fact]
    public async Task PasswordDigest_Authenticates_WithAFreshNonceAndCreated()
    {
        await using var host = await StartAsync();

        var reply = await host.PostRawAsync(Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", Envelopes.DigestToken(DigestInsurer, DigestSecret, host.Time.GetUtcNow())), "text/xml");

        reply.Ok("PollResponse");
        Assert.Contains(await host.AuditAsync(), a => a is { Principal: DigestInsurer, Operation: "Poll", Outcome: "ok" });
    }

    [Fact]
    public async Task PasswordDigest_ReplayedNonce_IsAuthFailed_AndNothingIsDone()
    {
        await using var host = await StartAsync();
        var token = Envelopes.DigestToken(DigestInsurer, DigestSecret, host.Time.GetUtcNow(), RandomNumberGenerator.GetBytes(16));
        await host.AppendBatchAsync("AC01", 1);
        const string Ack = "<x:Ack><x:Dataset>AC01</x:Dataset><x:Seq>1</x:Seq></x:Ack>";

        (await host.PostRawAsync(Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", token), "text/xml")).Ok("PollResponse");
        var replay = await host.PostRawAsync(Envelopes.Of(Envelopes.Soap11, Ack, token), "text/xml");

        replay.AssertFault("AuthFailed");
        Assert.Contains("already used", replay.FaultMessage, StringComparison.Ordinal);
        Assert.Equal(0, await host.Store.GetCursorAsync(DigestInsurer, "AC01", default));
        Assert.Contains(await host.AuditAsync(), a => a is { Principal: "(anonymous)", Outcome: "AuthFailed" });
    }

    [Theory]
    [InlineData(-6)]
    [InlineData(6)]
    public async Task PasswordDigest_CreatedOutsideFiveMinutes_IsAuthFailed_NamingTheClock(int minutes)
    {
        await using var host = await StartAsync();

        var reply = await host.PostRawAsync(
            Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", Envelopes.DigestToken(DigestInsurer, DigestSecret, host.Time.GetUtcNow().AddMinutes(minutes))), "text/xml");

        reply.AssertFault("AuthFailed");
        Assert.Contains("wsu:Created", reply.FaultMessage, StringComparison.Ordinal);
        Assert.Contains("±5 minutes", reply.FaultMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordDigest_CreatedFourMinutesOld_IsAccepted()
    {
        await using var host = await StartAsync();

        var reply = await host.PostRawAsync(
            Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", Envelopes.DigestToken(DigestInsurer, DigestSecret, host.Time.GetUtcNow().AddMinutes(-4))), "text/xml");

        reply.Ok("PollResponse");
    }

    [Theory]
    [InlineData(DigestInsurer, "not the secret")]
    [InlineData(InsurerA, InsurerAPassword)] // a principal without a digest secret cannot use PasswordDigest
    [InlineData("nobody", "nobodys-secret")]
    public async Task PasswordDigest_WrongSecretOrPrincipal_IsTheSameAuthFailed(string user, string secret)
    {
        await using var host = await StartAsync();

        var reply = await host.PostRawAsync(Envelopes.Of(Envelopes.Soap11, "<x:Poll/>", Envelopes.DigestToken(user, secret, host.Time.GetUtcNow())), "text/xml");

        reply.AssertFault("AuthFailed");
        Assert.Equal("Authentication failed: unknown name or wrong password. Check the configured credentials.", reply.FaultMessage);
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PasswordDigest_OverSoap12_IsHttp400_WhenRefused()
    {
        await using var host = await StartAsync();

        var reply = await host.PostRawAsync(Envelopes.Of(Envelopes.Soap12, "<x:Poll/>", Envelopes.DigestToken(DigestInsurer, "wrong", host.Time.GetUtcNow())), Envelopes.Soap12ContentType);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("AuthFailed", reply.FaultCode);
    }
}
